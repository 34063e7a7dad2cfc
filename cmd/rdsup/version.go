package main

import (
	"fmt"
	"runtime/debug"
	"strings"

	"github.com/rdsup/rdsup/plans"
	"github.com/spf13/cobra"
)

// Set at build time, e.g.
//
//	go build -ldflags "-X main.version=v1.2.3 -X main.buildDate=$(date -u +%FT%TZ)" ./cmd/rdsup
//
// Without them the version comes from the build info: the module version
// (go install …@v1.2.3) and the VCS commit stamped by go build in a clone.
var (
	version   = ""
	buildDate = ""
)

func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the rdsup version, commit, build date and plan format version",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			_, err := fmt.Fprintln(cmd.OutOrStdout(), versionLine())
			return err
		},
	}
}

// versionLine describes this binary from its build info.
func versionLine() string {
	bi, _ := debug.ReadBuildInfo()
	return formatVersion(bi, version, buildDate)
}

// formatVersion writes one line: the version (ldflags, else the module
// version), then what is known of the build: commit (12 hex digits, with
// "modified" for a dirty tree) and its time, build date, Go version and
// the plan format version.
func formatVersion(bi *debug.BuildInfo, ldVersion, ldDate string) string {
	v := ldVersion
	var details []string
	if bi != nil {
		if v == "" {
			v = bi.Main.Version
		}
		vcs := map[string]string{}
		for _, s := range bi.Settings {
			vcs[s.Key] = s.Value
		}
		if rev := vcs["vcs.revision"]; rev != "" {
			c := "commit " + rev[:min(12, len(rev))]
			if vcs["vcs.modified"] == "true" {
				c += " (modified)"
			}
			if t := vcs["vcs.time"]; t != "" {
				c += " of " + t
			}
			details = append(details, c)
		}
	}
	if v == "" || v == "(devel)" {
		v = "(devel)"
		if len(details) == 0 {
			details = append(details, "no version or commit recorded: built without VCS information (go run, or -buildvcs=false)")
		}
	}
	if ldDate != "" {
		details = append(details, "built "+ldDate)
	}
	if bi != nil && bi.GoVersion != "" {
		details = append(details, bi.GoVersion)
	}
	details = append(details, fmt.Sprintf("plan format %d", plans.FormatVersion))
	return fmt.Sprintf("rdsup %s (%s)", v, strings.Join(details, ", "))
}
