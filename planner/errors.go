package planner

import (
	"cmp"
	"errors"
	"fmt"
	"slices"
)

// ErrInvalid marks every inventory validation error.
var ErrInvalid = errors.New("invalid inventory")

// InputError is one problem in an inventory, located by file, line and
// instance, with a hint on how to fix it.
type InputError struct {
	File     string
	Line     int    // 0 when unknown
	Instance string // "" when the problem is not about one instance
	Msg      string
	Hint     string
}

func (e *InputError) Error() string {
	s := e.File
	if e.Line > 0 {
		s += fmt.Sprintf(":%d", e.Line)
	}
	s += ": "
	if e.Instance != "" {
		s += "instance " + e.Instance + ": "
	}
	s += e.Msg
	if e.Hint != "" {
		s += " (" + e.Hint + ")"
	}
	return s
}

func (e *InputError) Unwrap() error { return ErrInvalid }

// problems collects input errors and joins them in a stable order.
type problems struct {
	file string
	errs []*InputError
}

func (p *problems) add(line int, instance, hint, format string, args ...any) {
	p.errs = append(p.errs, &InputError{File: p.file, Line: line, Instance: instance, Msg: fmt.Sprintf(format, args...), Hint: hint})
}

// err returns every problem joined, sorted by instance id then line, or nil.
func (p *problems) err() error {
	if len(p.errs) == 0 {
		return nil
	}
	slices.SortStableFunc(p.errs, func(a, b *InputError) int {
		return cmp.Or(cmp.Compare(a.Instance, b.Instance), cmp.Compare(a.Line, b.Line), cmp.Compare(a.Msg, b.Msg))
	})
	errs := make([]error, len(p.errs))
	for i, e := range p.errs {
		errs[i] = e
	}
	return errors.Join(errs...)
}
