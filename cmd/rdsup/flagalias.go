package main

import (
	"fmt"
	"log/slog"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// One name per concept: --format is an output format everywhere, -o/--out
// an output file, --time-scale simulated seconds per real second. An older
// spelling stays as a hidden alias of the flag it was renamed to (sharing
// its value, so its range and completion are the new flag's); using it
// prints a deprecation notice on stderr (a log record with --log-format
// json).

const aliasAnnotation = "rdsup-deprecated-alias"

// deprecatedAlias adds old as a hidden spelling of the existing flag name.
func deprecatedAlias(f *pflag.FlagSet, old, name string) {
	fl := f.Lookup(name)
	if fl == nil {
		panic("deprecatedAlias: no flag --" + name) // a programming error
	}
	a := f.VarPF(fl.Value, old, "", "deprecated: use --"+name)
	a.Hidden = true
	a.NoOptDefVal = fl.NoOptDefVal
	a.Annotations = map[string][]string{aliasAnnotation: {name}}
}

// checkAliases warns about each deprecated spelling used, and refuses a
// flag given under both names.
func checkAliases(cmd *cobra.Command) error {
	var err error
	cmd.Flags().Visit(func(a *pflag.Flag) {
		names, ok := a.Annotations[aliasAnnotation]
		if !ok || err != nil {
			return
		}
		if cmd.Flags().Changed(names[0]) {
			err = fmt.Errorf("--%s and --%s are the same flag: give only --%s", a.Name, names[0], names[0])
			return
		}
		notef(cmd.Context(), cmd.ErrOrStderr(), slog.LevelWarn, "rdsup: warning: --%s is deprecated: use --%s", a.Name, names[0])
	})
	return err
}
