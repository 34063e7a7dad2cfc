package main

import (
	"strings"

	"github.com/spf13/cobra"
)

// newRootCmd builds the command tree. Each subcommand lives in its own file.
func newRootCmd() *cobra.Command {
	var logFormat string
	vline := versionLine()
	root := &cobra.Command{
		Use:   "rdsup",
		Short: "Plan and run fleet-wide engine upgrades on ApsaraDB RDS, safely",
		Long: `rdsup reads an inventory of ApsaraDB RDS instances, plans their engine
upgrades with every read-only and disaster-recovery instance before its
primary, checks each step against Rego policies, and applies an approved plan
through the Alibaba Cloud API exactly once per instance, resumably.

Results and tables go to stdout; logs, progress and errors to stderr
(--log-format json: one JSON object per line).

` + vline,
		Version:       vline,
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error {
			if err := checkLogFormat(logFormat); err != nil {
				return err
			}
			cmd.SetContext(withLogFormat(cmd.Context(), logFormat))
			if err := checkAliases(cmd); err != nil {
				return err
			}
			// numeric flags out of their declared range stop every command
			return checkLimits(cmd)
		},
	}
	root.SetVersionTemplate("{{.Version}}\n")
	root.Flags().Bool("version", false, "print the version, commit and build date")
	root.PersistentFlags().StringVar(&logFormat, "log-format", logText, "format of the log lines on stderr: "+strings.Join(logFormats, ", ")+" (json: one object per line)")
	_ = root.RegisterFlagCompletionFunc("log-format", fixedCompletion(logFormats...))
	root.AddCommand(
		newPlanCmd(),
		newShowCmd(),
		newDiffCmd(),
		newCheckCmd(),
		newPolicyCmd(),
		newSimCmd(),
		newApplyCmd(),
		newStatusCmd(),
		newStateCmd(),
		newVersionCmd(),
		newInventoryCmd(),
	)
	return root
}
