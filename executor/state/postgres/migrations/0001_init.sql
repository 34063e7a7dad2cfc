-- rdsup state store, schema version 1.
CREATE TABLE rdsup_plans (
    id              text PRIMARY KEY,
    document        bytea NOT NULL,       -- the plan file, canonical bytes
    max_concurrency integer NOT NULL DEFAULT 0, -- campaign-wide cap on steps in flight; 0: none
    created_at      timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE rdsup_steps (
    plan_id       text NOT NULL REFERENCES rdsup_plans (id) ON DELETE CASCADE,
    step_id       text NOT NULL,
    idx           integer NOT NULL,       -- plan order
    instance_id   text NOT NULL,
    depends_on    text[] NOT NULL,
    state         text NOT NULL DEFAULT 'not-started',
    record        jsonb NOT NULL DEFAULT '{}', -- the step's journal records folded
    lease_owner   text,
    lease_expires timestamptz,
    updated_at    timestamptz,
    PRIMARY KEY (plan_id, step_id)
);
CREATE INDEX rdsup_steps_instance ON rdsup_steps (instance_id);
CREATE INDEX rdsup_steps_lease ON rdsup_steps (plan_id, lease_owner);

CREATE TABLE rdsup_journal (
    seq     bigserial PRIMARY KEY,
    plan_id text NOT NULL REFERENCES rdsup_plans (id) ON DELETE CASCADE,
    step_id text NOT NULL,
    worker  text NOT NULL,
    record  jsonb NOT NULL                -- the record as journal format 1 spells it
);
CREATE INDEX rdsup_journal_plan ON rdsup_journal (plan_id, seq);
