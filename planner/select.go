package planner

import (
	"errors"
	"fmt"
	"path"
	"strings"

	"github.com/rdsup/rdsup/plans"
)

// ErrSelection marks a selector that cannot be parsed, that matches no
// instance, or a selection that leaves out replicas a selected primary
// needs.
var ErrSelection = errors.New("invalid selection")

// A selector chooses instances for `rdsup plan --only/--exclude`:
//
//	rm-pay-db       an instance id
//	rm-pay-*        a glob over ids (path.Match syntax: *, ?, [a-z])
//	env=prod        tag env is prod (the value may be a glob)
//	team!=payments  tag team is not payments (instances without the tag too)
//	region=cn-*     the instance's region (a glob too)
//
// Terms joined by commas must all hold: `env=prod,team!=payments`.
// Repeated --only flags select what any of them matches; --exclude drops
// what any of its selectors matches.
type selector struct {
	text  string
	terms []term
}

type term struct {
	key, value string // key "" → value is an id glob
	negate     bool
}

func parseSelector(s string) (selector, error) {
	sel := selector{text: s}
	if strings.TrimSpace(s) == "" {
		return sel, fmt.Errorf("%w: an empty selector; give an instance id, a glob such as rm-pay-*, or key=value", ErrSelection)
	}
	for _, part := range strings.Split(s, ",") {
		var t term
		switch k, v, ok := strings.Cut(part, "!="); {
		case ok:
			t = term{key: k, value: v, negate: true}
		default:
			if k, v, ok := strings.Cut(part, "="); ok {
				t = term{key: k, value: v}
			} else {
				t = term{value: part}
			}
		}
		if t.key == "" && strings.ContainsAny(part, "=") {
			return sel, fmt.Errorf("%w: selector %q: %q has no key before the =; write key=value, e.g. env=prod", ErrSelection, s, part)
		}
		if t.value == "" && t.key == "" {
			return sel, fmt.Errorf("%w: selector %q has an empty term; terms are joined by single commas", ErrSelection, s)
		}
		if _, err := path.Match(t.value, ""); err != nil {
			return sel, fmt.Errorf("%w: selector %q: %q is not a valid glob (use *, ? and [a-z])", ErrSelection, s, t.value)
		}
		sel.terms = append(sel.terms, t)
	}
	return sel, nil
}

func (s selector) matches(in *plans.Instance) bool {
	for _, t := range s.terms {
		var v string
		has := true
		switch t.key {
		case "":
			v = in.ID
		case "region":
			v = in.Region
		default:
			v, has = in.Tags[t.key]
		}
		ok, _ := path.Match(t.value, v)
		ok = ok && has
		if ok == t.negate {
			return false
		}
	}
	return true
}

// selected returns which instances the selection picks (nil: all), or
// every problem with it: selectors that do not parse or match nothing.
func selected(inv *Inventory, sel *plans.Selection) (map[string]bool, error) {
	if sel == nil || (len(sel.Only) == 0 && len(sel.Exclude) == 0) {
		return nil, nil
	}
	var errs []error
	parse := func(texts []string) []selector {
		out := make([]selector, 0, len(texts))
		for _, t := range texts {
			s, err := parseSelector(t)
			if err != nil {
				errs = append(errs, err)
				continue
			}
			out = append(out, s)
		}
		return out
	}
	only, exclude := parse(sel.Only), parse(sel.Exclude)
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	hits := func(ss []selector, flag string) []bool {
		used := make([]bool, len(ss))
		for i := range inv.Instances {
			for k, s := range ss {
				if s.matches(&inv.Instances[i]) {
					used[k] = true
				}
			}
		}
		for k, u := range used {
			if !u {
				errs = append(errs, fmt.Errorf("%w: %s %q matches no instance of %s", ErrSelection, flag, ss[k].text, inv.BaseName()))
			}
		}
		return used
	}
	hits(only, "--only")
	hits(exclude, "--exclude")
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	out := make(map[string]bool, len(inv.Instances))
	for i := range inv.Instances {
		in := &inv.Instances[i]
		pick := len(only) == 0
		for _, s := range only {
			pick = pick || s.matches(in)
		}
		for _, s := range exclude {
			pick = pick && !s.matches(in)
		}
		if pick {
			out[in.ID] = true
		}
	}
	if sel.WithReplicas {
		for i := range inv.Instances {
			in := &inv.Instances[i]
			if in.Role == plans.RolePrimary || !out[in.Primary] || excludedBy(exclude, in) {
				continue
			}
			out[in.ID] = true
		}
	}
	return out, nil
}

func excludedBy(ss []selector, in *plans.Instance) bool {
	for _, s := range ss {
		if s.matches(in) {
			return true
		}
	}
	return false
}
