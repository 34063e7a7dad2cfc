package main

import (
	"errors"

	"github.com/spf13/cobra"
)

// STUB: being written by the planner issue.
func newPlanCmd() *cobra.Command {
	return &cobra.Command{Use: "plan", Hidden: true, RunE: func(*cobra.Command, []string) error { return errors.New("not implemented yet") }}
}
