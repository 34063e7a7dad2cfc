package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migration is one embedded schema change, NNNN_name.sql.
type migration struct {
	version int
	name    string
	sql     string
}

// migrations lists the embedded migrations in version order.
func migrations() ([]migration, error) {
	ents, err := fs.ReadDir(migrationFS, "migrations")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, e := range ents {
		num, name, ok := strings.Cut(strings.TrimSuffix(e.Name(), ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("bug: migration %s is not named NNNN_name.sql", e.Name())
		}
		b, err := migrationFS.ReadFile("migrations/" + e.Name())
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{v, name, string(b)})
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	for i, m := range ms {
		if m.version != i+1 {
			return nil, fmt.Errorf("bug: migrations are not numbered 1, 2, …: %d is #%d", m.version, i+1)
		}
	}
	return ms, nil
}

// SchemaVersion is the schema this build writes and reads.
func SchemaVersion() int {
	ms, err := migrations()
	if err != nil {
		return 0
	}
	return len(ms)
}

// migrationLock serialises concurrent `rdsup state init` runs.
const migrationLock = 0x72647375700001 // "rdsup" 1

// Init creates or migrates the schema: it applies, in one transaction,
// the embedded migrations the database has not seen and records each in
// rdsup_schema_migrations (not schema_migrations, which other migration
// tools use). Running it again changes nothing. It returns the versions
// applied now.
func (s *Store) Init(ctx context.Context) ([]int, error) {
	ms, err := migrations()
	if err != nil {
		return nil, err
	}
	var applied []int
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", int64(migrationLock)); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS rdsup_schema_migrations (
			version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
			return err
		}
		var have int
		if err := tx.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM rdsup_schema_migrations").Scan(&have); err != nil {
			return err
		}
		if have > len(ms) {
			return fmt.Errorf("%w: the state store %s has schema version %d, this rdsup knows up to %d: use a newer rdsup", ErrSchema, s.name, have, len(ms))
		}
		for _, m := range ms[have:] {
			if _, err := tx.Exec(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %04d_%s: %w", m.version, m.name, err)
			}
			if _, err := tx.Exec(ctx, "INSERT INTO rdsup_schema_migrations (version, name) VALUES ($1, $2)", m.version, m.name); err != nil {
				return err
			}
			applied = append(applied, m.version)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("init state store %s: %w", s.name, err)
	}
	return applied, nil
}

// ErrSchema: the database has no rdsup schema, or another version of it.
var ErrSchema = errors.New("state store schema")

// checkSchema refuses a database that `rdsup state init` has not brought
// to this build's schema version.
func (s *Store) checkSchema(ctx context.Context) error {
	var have int
	err := s.pool.QueryRow(ctx, "SELECT coalesce(max(version), 0) FROM rdsup_schema_migrations").Scan(&have)
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "42P01" { // undefined_table
		return fmt.Errorf("%w: %s has no rdsup schema yet: run `rdsup state init --state URL` once (it creates the tables; running it again is harmless)", ErrSchema, s.name)
	}
	if err != nil {
		return fmt.Errorf("state store %s: %w", s.name, err)
	}
	want := SchemaVersion()
	switch {
	case have < want:
		return fmt.Errorf("%w: %s has schema version %d, this rdsup needs %d: run `rdsup state init --state URL` to migrate it", ErrSchema, s.name, have, want)
	case have > want:
		return fmt.Errorf("%w: %s has schema version %d, newer than this rdsup knows (%d): use a newer rdsup", ErrSchema, s.name, have, want)
	}
	return nil
}
