package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/rdsup/rdsup/executor/state/postgres"
)

// stateEnv names the variable --state defaults to.
const stateEnv = "RDSUP_STATE"

// stateOptions are the flags of commands that may keep state in a shared
// store (apply, status).
type stateOptions struct {
	url            string
	maxConcurrency int
	lease          time.Duration
}

func (o *stateOptions) addFlags(f *pflag.FlagSet, apply bool) {
	f.StringVar(&o.url, "state", "", "keep plans, journal and leases in this PostgreSQL database (postgres://user@host:5432/db) instead of files next to the plan (default $"+stateEnv+")")
	if apply {
		f.IntVar(&o.maxConcurrency, "max-concurrency", 0, "with --state: campaign-wide cap on steps in flight across all workers of the plan, stored with it (0: none; --concurrency is per worker)")
		f.DurationVar(&o.lease, "lease", postgres.DefaultLease, "with --state: how long a claimed step stays this worker's without a heartbeat; a killed worker's steps pass to another after it")
		limitInt(f, "max-concurrency", 0, 100000)
		limitDuration(f, "lease", 3*time.Second, time.Hour)
	}
}

// resolved returns the store URL: --state, else $RDSUP_STATE; "" for the
// local files.
func (o *stateOptions) resolved() string {
	if o.url != "" {
		return o.url
	}
	return os.Getenv(stateEnv)
}

// connect opens the shared store named by --state or $RDSUP_STATE.
func (o *stateOptions) connect(ctx context.Context) (*postgres.Store, error) {
	u := o.resolved()
	if !postgres.IsURL(u) {
		return nil, fmt.Errorf("--state %q: give a PostgreSQL URL (postgres://user@host:5432/db); without --state (and $%s) the state lives in files next to the plan", redactState(u), stateEnv)
	}
	s, err := postgres.Connect(ctx, u)
	if err != nil {
		return nil, err
	}
	if o.lease > 0 {
		s.Lease = o.lease
	}
	return s, nil
}

func redactState(u string) string {
	if i := strings.Index(u, "@"); i > 0 {
		return "…" + u[i:]
	}
	return u
}

func newStateCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "state",
		Short: "Manage the shared state store (PostgreSQL)",
		Args:  cobra.NoArgs,
	}
	cmd.AddCommand(newStateInitCmd())
	return cmd
}

func newStateInitCmd() *cobra.Command {
	o := &stateOptions{}
	cmd := &cobra.Command{
		Use:   "init --state URL",
		Short: "Create or migrate the state store's schema (safe to run again)",
		Long: `State init creates rdsup's tables in the PostgreSQL database given by --state
(or $` + stateEnv + `), or migrates them to this build's schema version, applying the
versioned migrations embedded in rdsup in one transaction and recording them
in rdsup_schema_migrations. Running it again changes nothing; concurrent runs
wait for each other. No manual SQL is needed.`,
		Example: `  rdsup state init --state postgres://rdsup@db.internal:5432/rdsup
  RDSUP_STATE=postgres://rdsup@db.internal/rdsup rdsup state init`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runStateInit(cmd.Context(), cmd.OutOrStdout(), o)
		},
	}
	o.addFlags(cmd.Flags(), false)
	return cmd
}

func runStateInit(ctx context.Context, out io.Writer, o *stateOptions) error {
	if o.resolved() == "" {
		return errors.New("give the database with --state postgres://… (or $" + stateEnv + ")")
	}
	s, err := o.connect(ctx)
	if err != nil {
		return err
	}
	defer s.Close()
	applied, err := s.Init(ctx)
	if err != nil {
		return err
	}
	if len(applied) == 0 {
		fmt.Fprintf(out, "state store %s: schema version %d, up to date\n", s.Name(), postgres.SchemaVersion())
		return nil
	}
	fmt.Fprintf(out, "state store %s: schema version %d (applied migration(s) %s)\n", s.Name(), postgres.SchemaVersion(), joinInts(applied))
	return nil
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, ", ")
}
