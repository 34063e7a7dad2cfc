package policy

import (
	"github.com/open-policy-agent/opa/v1/ast"
)

// flatCache is OPA's cache of evaluated rules (topdown.VirtualCache) for
// the evaluations of one worker, reused from step to step. One step caches
// a handful of rule results (data.rdsup.state.deny, helper rules), so a
// flat list scanned from the end beats OPA's default trie of hash maps,
// which costs about a sixth of all allocations per step. reset empties it
// between steps without giving its memory back.
//
// Semantics match the default cache: Push opens an empty frame (a `with`
// statement), Pop drops it with its entries, Get and Put see the top frame
// only, a nil value records an undefined result.
type flatCache struct {
	entries []cacheEntry
	frames  []int       // start index in entries of each frame above the first
	terms   []*ast.Term // arena holding copies of the cached refs' terms
}

type cacheEntry struct {
	ref       ast.Ref
	value     *ast.Term
	undefined bool
}

func (c *flatCache) reset() {
	clear(c.entries)
	c.entries = c.entries[:0]
	c.frames = c.frames[:0]
	clear(c.terms)
	c.terms = c.terms[:0]
}

func (c *flatCache) top() int {
	if len(c.frames) == 0 {
		return 0
	}
	return c.frames[len(c.frames)-1]
}

// Push opens a new, empty frame.
func (c *flatCache) Push() { c.frames = append(c.frames, len(c.entries)) }

// Pop drops the top frame and its entries.
func (c *flatCache) Pop() {
	if len(c.frames) == 0 {
		return
	}
	start := c.frames[len(c.frames)-1]
	c.frames = c.frames[:len(c.frames)-1]
	clear(c.entries[start:])
	c.entries = c.entries[:start]
}

func (c *flatCache) find(ref ast.Ref) int {
	for i := len(c.entries) - 1; i >= c.top(); i-- {
		if refEqual(c.entries[i].ref, ref) {
			return i
		}
	}
	return -1
}

// refEqual compares from the last term: the refs cached in one step share
// their prefixes (data.rdsup...).
func refEqual(a, b ast.Ref) bool {
	if len(a) != len(b) {
		return false
	}
	for i := len(a) - 1; i >= 0; i-- {
		if a[i] != b[i] && !a[i].Equal(b[i]) {
			return false
		}
	}
	return true
}

// Get returns the cached value of ref; nil, true when it is recorded as
// undefined; nil, false when it is not cached.
func (c *flatCache) Get(ref ast.Ref) (*ast.Term, bool) {
	i := c.find(ref)
	if i < 0 {
		return nil, false
	}
	if c.entries[i].undefined {
		return nil, true
	}
	return c.entries[i].value, false
}

// Put records the value of ref (nil: undefined) in the top frame.
func (c *flatCache) Put(ref ast.Ref, value *ast.Term) {
	if i := c.find(ref); i >= 0 {
		if value != nil {
			c.entries[i].value = value
		} else {
			c.entries[i].undefined = true
		}
		return
	}
	// The caller may reuse ref's backing array: keep a copy of its terms.
	n := len(c.terms)
	c.terms = append(c.terms, ref...)
	own := ast.Ref(c.terms[n:len(c.terms):len(c.terms)])
	c.entries = append(c.entries, cacheEntry{ref: own, value: value, undefined: value == nil})
}

// Keys lists the refs with a defined value in the top frame.
func (c *flatCache) Keys() []ast.Ref {
	var keys []ast.Ref
	for _, e := range c.entries[c.top():] {
		if e.value != nil {
			keys = append(keys, e.ref)
		}
	}
	return keys
}
