package main

import (
	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. Each subcommand lives in its own file.
func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:   "rdsup",
		Short: "Plan and run fleet-wide engine upgrades on ApsaraDB RDS, safely",
		Long: `rdsup reads an inventory of ApsaraDB RDS instances, plans their engine
upgrades with every read-only and disaster-recovery instance before its
primary, checks each step against Rego policies, and applies an approved plan
through the Alibaba Cloud API exactly once per instance, resumably.`,
		SilenceUsage:  true,
		SilenceErrors: true,
		// numeric flags out of their declared range stop every command
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return checkLimits(cmd) },
	}
	root.AddCommand(
		newPlanCmd(),
		newShowCmd(),
		newCheckCmd(),
		newPolicyCmd(),
		newSimCmd(),
		newApplyCmd(),
		newStatusCmd(),
		newVersionCmd(),
		newInventoryCmd(),
	)
	return root
}
