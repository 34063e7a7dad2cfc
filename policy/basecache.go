package policy

import (
	"sync"

	"github.com/open-policy-agent/opa/v1/ast"
)

// sharedBaseCache is an OPA base-document cache shared by every evaluation
// of one Evaluate call. The data of an engine never changes while it
// evaluates, so the AST of data.rdsup.config, read by every step, is
// converted and cached once instead of once per step (OPA's default is a
// fresh cache per evaluation). Safe for concurrent use.
type sharedBaseCache struct {
	mu   sync.RWMutex
	root baseNode
}

type baseNode struct {
	value    ast.Value
	children map[ast.Value]*baseNode
}

// Get returns the value at ref, or at a cached prefix of ref, or nil.
func (c *sharedBaseCache) Get(ref ast.Ref) ast.Value {
	c.mu.RLock()
	defer c.mu.RUnlock()
	n := &c.root
	for i, t := range ref {
		n = n.children[t.Value]
		if n == nil {
			return nil
		}
		if n.value != nil {
			v, err := n.value.Find(ref[i+1:])
			if err != nil {
				return nil
			}
			return v
		}
	}
	return nil
}

// Put caches value at ref; it replaces anything cached below ref.
func (c *sharedBaseCache) Put(ref ast.Ref, value ast.Value) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n := &c.root
	for _, t := range ref {
		child := n.children[t.Value]
		if child == nil {
			if n.children == nil {
				n.children = map[ast.Value]*baseNode{}
			}
			child = &baseNode{}
			n.children[t.Value] = child
		}
		n = child
	}
	n.value, n.children = value, nil
}
