package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

// DefaultLease is how long a claimed step stays a worker's without a
// heartbeat; the heartbeat renews it every third of that.
const DefaultLease = 30 * time.Second

// Store is a PostgreSQL state store.
type Store struct {
	pool *pgxpool.Pool
	name string // the URL without its password, for messages
	// Lease: see DefaultLease. Set before Open.
	Lease time.Duration
}

// IsURL reports whether state names a PostgreSQL state store.
func IsURL(state string) bool {
	return strings.HasPrefix(state, "postgres://") || strings.HasPrefix(state, "postgresql://")
}

// Connect opens a connection pool to the database at rawURL and checks
// that it answers. It does not create or check the schema (Init, Check).
func Connect(ctx context.Context, rawURL string) (*Store, error) {
	name := redact(rawURL)
	cfg, err := pgxpool.ParseConfig(rawURL)
	if err != nil {
		return nil, fmt.Errorf("state store %s: %v (give a URL like postgres://user@host:5432/db)", name, scrub(err, rawURL))
	}
	cfg.MaxConns = max(cfg.MaxConns, 8)
	// a journal record is durable when its commit returns, whatever the
	// server's default (claims and releases relax it per transaction)
	cfg.ConnConfig.RuntimeParams["synchronous_commit"] = "on"
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("state store %s: %v", name, scrub(err, rawURL))
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("state store %s is unreachable: %v", name, scrub(err, rawURL))
	}
	return &Store{pool: pool, name: name, Lease: DefaultLease}, nil
}

// Check refuses a database without this build's schema (see Init).
func (s *Store) Check(ctx context.Context) error { return s.checkSchema(ctx) }

// Close closes the pool.
func (s *Store) Close() { s.pool.Close() }

// Name is the store's URL without a password.
func (s *Store) Name() string { return s.name }

func redact(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		return "postgres://…"
	}
	if u.User != nil {
		if _, has := u.User.Password(); has {
			u.User = url.UserPassword(u.User.Username(), "xxxxx")
		}
	}
	q := u.Query()
	if q.Has("password") {
		q.Set("password", "xxxxx")
		u.RawQuery = q.Encode()
	}
	return u.String()
}

// scrub keeps the URL (and so a password) out of an error.
func scrub(err error, raw string) string {
	msg := err.Error()
	if raw != "" {
		msg = strings.ReplaceAll(msg, raw, redact(raw))
	}
	if u, perr := url.Parse(raw); perr == nil && u.User != nil {
		if pw, has := u.User.Password(); has && pw != "" {
			msg = strings.ReplaceAll(msg, pw, "xxxxx")
		}
	}
	return msg
}

// SavePlan stores p under its id, with the campaign-wide cap on steps in
// flight across all workers (0: no cap). Saving a plan that is already
// stored changes nothing but the cap, when maxConcurrency > 0. It reports
// whether the plan was new.
func (s *Store) SavePlan(ctx context.Context, p *plans.Plan, maxConcurrency int) (bool, error) {
	if err := s.checkSchema(ctx); err != nil {
		return false, err
	}
	doc, err := plans.Encode(p)
	if err != nil {
		return false, err
	}
	created := false
	err = pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, "INSERT INTO rdsup_plans (id, document, max_concurrency) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING", p.ID, doc, maxConcurrency)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			if maxConcurrency > 0 {
				_, err = tx.Exec(ctx, "UPDATE rdsup_plans SET max_concurrency = $2 WHERE id = $1", p.ID, maxConcurrency)
			}
			return err
		}
		created = true
		rows := make([][]any, 0, len(p.Steps))
		for i, st := range p.Steps {
			deps := st.DependsOn
			if deps == nil {
				deps = []string{}
			}
			rows = append(rows, []any{p.ID, st.ID, i, st.InstanceID, deps})
		}
		_, err = tx.CopyFrom(ctx, pgx.Identifier{"rdsup_steps"}, []string{"plan_id", "step_id", "idx", "instance_id", "depends_on"}, pgx.CopyFromRows(rows))
		return err
	})
	if err != nil {
		return false, fmt.Errorf("store plan %s in %s: %w", shortID(p.ID), s.name, err)
	}
	return created, nil
}

// minPrefix is the shortest plan id prefix LoadPlan accepts.
const minPrefix = 12

// LoadPlan returns the stored plan whose id is ref, or starts with ref
// (at least 12 hex digits), verified like a plan file.
func (s *Store) LoadPlan(ctx context.Context, ref string) (*plans.Plan, error) {
	if err := s.checkSchema(ctx); err != nil {
		return nil, err
	}
	if len(ref) < minPrefix || strings.Trim(ref, "0123456789abcdef") != "" {
		return nil, fmt.Errorf("plan id %q: give the plan id (64 lowercase hex digits) or at least its first %d, as `rdsup plan` and `rdsup status --state URL` print it", ref, minPrefix)
	}
	rows, err := s.pool.Query(ctx, "SELECT id, document FROM rdsup_plans WHERE id LIKE $1 || '%' ORDER BY id LIMIT 2", ref)
	if err != nil {
		return nil, fmt.Errorf("load plan %s from %s: %w", ref, s.name, err)
	}
	type hit struct {
		id  string
		doc []byte
	}
	hits, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (hit, error) {
		var h hit
		return h, r.Scan(&h.id, &h.doc)
	})
	if err != nil {
		return nil, fmt.Errorf("load plan %s from %s: %w", ref, s.name, err)
	}
	switch len(hits) {
	case 0:
		return nil, fmt.Errorf("%w: no plan %s in %s; store it with `rdsup apply PLANFILE --state URL` (or see `rdsup status --state URL`)", ErrNoPlan, ref, s.name)
	case 2:
		return nil, fmt.Errorf("plan id prefix %s matches several plans in %s (%s, %s): give more of the id", ref, s.name, shortID(hits[0].id), shortID(hits[1].id))
	}
	return plans.Decode(fmt.Sprintf("%s (plan %s)", s.name, shortID(hits[0].id)), hits[0].doc)
}

// ErrNoPlan: the store has no plan with that id.
var ErrNoPlan = errors.New("plan not stored")

// PlanInfo is one stored plan, for `rdsup status --state URL`.
type PlanInfo struct {
	ID             string    `json:"id"`
	CreatedAt      time.Time `json:"createdAt"`
	MaxConcurrency int       `json:"maxConcurrency,omitempty"`
	Steps          int       `json:"steps"`
	Succeeded      int       `json:"succeeded"`
	Failed         int       `json:"failed"`
	InFlight       int       `json:"inFlight"` // steps leased by a worker now
	Updated        time.Time `json:"updated,omitzero"`
}

// Plans lists the stored plans, newest first.
func (s *Store) Plans(ctx context.Context) ([]PlanInfo, error) {
	if err := s.checkSchema(ctx); err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `SELECT p.id, p.created_at, p.max_concurrency, count(st.step_id),
		count(*) FILTER (WHERE st.state = 'succeeded'), count(*) FILTER (WHERE st.state = 'failed'),
		count(*) FILTER (WHERE st.lease_expires > now()), max(st.updated_at)
		FROM rdsup_plans p LEFT JOIN rdsup_steps st ON st.plan_id = p.id
		GROUP BY p.id ORDER BY p.created_at DESC, p.id`)
	if err != nil {
		return nil, fmt.Errorf("list plans in %s: %w", s.name, err)
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (PlanInfo, error) {
		var pi PlanInfo
		var upd *time.Time
		err := r.Scan(&pi.ID, &pi.CreatedAt, &pi.MaxConcurrency, &pi.Steps, &pi.Succeeded, &pi.Failed, &pi.InFlight, &upd)
		if upd != nil {
			pi.Updated = upd.UTC()
		}
		pi.CreatedAt = pi.CreatedAt.UTC()
		return pi, err
	})
}

// ReadSteps reads the journal state of p's steps without changing it.
func (s *Store) ReadSteps(ctx context.Context, p *plans.Plan) (map[string]executor.StepRecord, error) {
	return readSteps(ctx, s.pool, p.ID)
}

type querier interface {
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
}

func readSteps(ctx context.Context, q querier, planID string) (map[string]executor.StepRecord, error) {
	rows, err := q.Query(ctx, "SELECT step_id, record FROM rdsup_steps WHERE plan_id = $1 AND state <> 'not-started'", planID)
	if err != nil {
		return nil, fmt.Errorf("read journal of plan %s: %w", shortID(planID), err)
	}
	out := map[string]executor.StepRecord{}
	var id string
	var raw []byte
	_, err = pgx.ForEachRow(rows, []any{&id, &raw}, func() error {
		var rec executor.StepRecord
		if err := json.Unmarshal(raw, &rec); err != nil {
			return fmt.Errorf("step %s: %w", id, err)
		}
		out[id] = rec
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("read journal of plan %s: %w", shortID(planID), err)
	}
	return out, nil
}

// Holders names the workers that hold leases on p's steps now, "" when
// none.
func (s *Store) Holders(ctx context.Context, planID string) (string, error) {
	var owners []string
	rows, err := s.pool.Query(ctx, "SELECT DISTINCT lease_owner FROM rdsup_steps WHERE plan_id = $1 AND lease_expires > now() ORDER BY 1", planID)
	if err != nil {
		return "", err
	}
	owners, err = pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return "", err
	}
	return strings.Join(owners, ", "), nil
}

// JournalName says where p's journal lives, for messages.
func (s *Store) JournalName(planID string) string {
	return fmt.Sprintf("%s (plan %s)", s.name, shortID(planID))
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
