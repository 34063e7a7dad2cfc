package main

import (
	"github.com/spf13/pflag"

	"github.com/rdsup/rdsup/plans"
)

// selectionOptions are --only, --exclude and --with-replicas, shared by
// `rdsup plan` and `rdsup apply -i`.
type selectionOptions struct {
	only     []string
	exclude  []string
	withRepl bool
}

func (o *selectionOptions) addFlags(f *pflag.FlagSet, verb string) {
	f.StringArrayVar(&o.only, "only", nil, verb+" only instances matching SEL: an id, a glob (rm-pay-*), tag=value, tag!=value, region=…; terms joined by commas must all hold; repeatable (any matches)")
	f.StringArrayVar(&o.exclude, "exclude", nil, "leave out instances matching SEL (same syntax as --only); repeatable")
	f.BoolVar(&o.withRepl, "with-replicas", false, "add the replicas of every selected primary (a primary is upgraded only after its replicas)")
}

// selection is what --only/--exclude/--with-replicas choose, nil when
// none is given (the plan covers every instance).
func (o *selectionOptions) selection() *plans.Selection {
	if len(o.only) == 0 && len(o.exclude) == 0 && !o.withRepl {
		return nil
	}
	return &plans.Selection{Only: append([]string{}, o.only...), Exclude: append([]string{}, o.exclude...), WithReplicas: o.withRepl}
}

// given reports whether any selection flag was given.
func (o *selectionOptions) given() bool { return o.selection() != nil }
