package main

import (
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/planner"
	"github.com/rdsup/rdsup/plans"
)

// Shell completion (cobra's `rdsup completion bash|zsh|fish|powershell`)
// offers the values of flags that take one of a fixed set: formats,
// --log-format, roles, regions, refusal codes.

type completionFunc = func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective)

// fixedCompletion offers exactly values, never file names.
func fixedCompletion(values ...string) completionFunc {
	return func(*cobra.Command, []string, string) ([]string, cobra.ShellCompDirective) {
		return values, cobra.ShellCompDirectiveNoFileComp
	}
}

// completeRoles offers the instance roles of an inventory.
var completeRoles = fixedCompletion(plans.RolePrimary, plans.RoleReadOnly, plans.RoleDisasterRecovery)

// completeRegions offers the regions rdsup knows for RDS (those an
// inventory may name).
var completeRegions = fixedCompletion(planner.Regions()...)

// completeFlag registers complete for the flag name of cmd and for every
// deprecated alias of it.
func completeFlag(cmd *cobra.Command, name string, complete completionFunc) {
	_ = cmd.RegisterFlagCompletionFunc(name, complete)
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if a := fl.Annotations[aliasAnnotation]; len(a) == 1 && a[0] == name {
			_ = cmd.RegisterFlagCompletionFunc(fl.Name, complete)
		}
	})
}

// completeRefuse completes sim --refuse ID=CODE: the instance ids of the
// inventory given with -i, then the refusal codes after "ID=".
func completeRefuse(cmd *cobra.Command, _ []string, toComplete string) ([]string, cobra.ShellCompDirective) {
	if id, _, ok := strings.Cut(toComplete, "="); ok {
		var out []string
		for _, c := range rdssim.RefusalCodes() {
			out = append(out, id+"="+c)
		}
		return out, cobra.ShellCompDirectiveNoFileComp
	}
	path, _ := cmd.Flags().GetString("inventory")
	if path == "" {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	inv, err := planner.Load(path)
	if err != nil {
		return nil, cobra.ShellCompDirectiveNoFileComp
	}
	var out []string
	for _, in := range inv.Instances {
		out = append(out, in.ID+"=")
	}
	return out, cobra.ShellCompDirectiveNoFileComp | cobra.ShellCompDirectiveNoSpace
}
