package plans

import "time"

// FormatVersion is the version of the plan file format this build writes
// and reads. A plan with any other version is refused. Version 2 added
// inputs.policySet.
//
// Version 3 allows several steps per instance, one per hop of a multi-hop
// upgrade (5.5 → 5.6 → 5.7 → 8.0), and added inputs.selection. A
// single-hop step's id is its instance id; an instance with several hops
// has one step per hop with id "<instance>@<toVersion>", each depending on
// the instance's previous hop.
const FormatVersion = 3

// Roles of an instance in its cluster. Field values are the inventory's.
const (
	RolePrimary          = "primary"
	RoleReadOnly         = "readonly"
	RoleDisasterRecovery = "disaster-recovery"
)

// Effective times accepted by UpgradeDBInstanceEngineVersion.
const (
	EffectiveImmediate   = "Immediate"
	EffectiveMaintenance = "MaintainTime"
)

// Plan is a reviewable, deterministic list of upgrade steps.
type Plan struct {
	FormatVersion int       `json:"formatVersion"`
	ID            string    `json:"id"`
	CreatedAt     time.Time `json:"createdAt"`
	Inputs        Inputs    `json:"inputs"`
	// Stages are the inventory's rollout stages, in order; absent when the
	// inventory has no rollout: section (see stages.go).
	Stages []Stage `json:"stages,omitempty"`
	Steps  []Step  `json:"steps"`
	// Instances is the inventory snapshot: every instance of the inventory,
	// with its facts as last seen, sorted by id. Policies and the executor
	// read status, maintainTime and tags from here.
	Instances []Instance `json:"instances"`
	Summary   Summary    `json:"summary"`
}

// Inputs records digests of what the plan was made from.
type Inputs struct {
	Inventory       string `json:"inventory"`       // file name as given
	InventoryDigest string `json:"inventoryDigest"` // "sha256:<hex>" of the inventory bytes
	PolicyDigest    string `json:"policyDigest"`    // "sha256:<hex>" of the policy set, "" when none ran
	// PolicyAt is the time policies were evaluated against (the input's
	// plan.at), RFC 3339 UTC; "" when no policy ran.
	PolicyAt string `json:"policyAt"`
	// PolicySet lists the policy and data files the plan was judged with,
	// so that check and apply can name what differs from theirs.
	PolicySet PolicySet `json:"policySet"`
	// RefreshedAt is when `rdsup plan --refresh` read the instances' live
	// state (RFC 3339 UTC); "" when the plan took the inventory's facts.
	RefreshedAt string `json:"refreshedAt,omitempty"`
	// Selection is what `rdsup plan --only/--exclude/--with-replicas`
	// chose; absent when the plan covers every instance.
	Selection *Selection `json:"selection,omitempty"`
}

// Selection records the selectors a plan was made with.
type Selection struct {
	Only         []string `json:"only"`    // never null
	Exclude      []string `json:"exclude"` // never null
	WithReplicas bool     `json:"withReplicas"`
}

// PolicySet describes the policies a plan was judged with, file by file.
type PolicySet struct {
	Builtin bool `json:"builtin"` // the built-in policies were on
	// Files are the policy modules, sorted by path then digest: built-in
	// ones as "builtin/<name>", those of -p directories by their path
	// relative to the directory. Never null.
	Files []PolicyFile `json:"files"`
	// Data are the data files in merge order: "builtin/data.yaml" (the
	// defaults) first, then each --data file by its base name. Never null.
	Data []PolicyFile `json:"data"`
}

// PolicyFile is one policy or data file of a PolicySet.
type PolicyFile struct {
	Path   string `json:"path"`
	Digest string `json:"digest"` // "sha256:<hex>" of the file's bytes
}

// Step upgrades one instance.
type Step struct {
	ID            string   `json:"id"`
	InstanceID    string   `json:"instanceId"`
	Region        string   `json:"region"`
	Engine        string   `json:"engine"`
	Role          string   `json:"role"`
	Cluster       string   `json:"cluster"` // id of the cluster's primary
	FromVersion   string   `json:"fromVersion"`
	ToVersion     string   `json:"toVersion"`
	EffectiveTime string   `json:"effectiveTime"`
	DependsOn     []string `json:"dependsOn"` // step ids, sorted; never null
	Wave          int      `json:"wave"`
	Stage         string   `json:"stage,omitempty"` // name of its rollout stage; "" when the plan has none
	ClientToken   string   `json:"clientToken"`
	Policy        Verdict  `json:"policy"`
	// EstimateSeconds is how long the step is expected to take (the
	// duration model of estimate.go, from the instance's role and
	// storageGB); absent in plans written before it existed.
	EstimateSeconds int `json:"estimateSeconds,omitempty"`
}

// Verdict holds the policy findings for one step.
type Verdict struct {
	Deny []Finding `json:"deny"` // never null
	Warn []Finding `json:"warn"` // never null
}

// Finding is one policy result.
type Finding struct {
	Rule     string         `json:"rule"` // e.g. "rdsup.state.deny"
	Message  string         `json:"msg"`
	Metadata map[string]any `json:"metadata,omitempty"`
}

// Instance is the inventory's view of one instance, with the inventory's
// field names (policies rely on them).
type Instance struct {
	ID            string            `json:"id"`
	Region        string            `json:"region"`
	Engine        string            `json:"engine"`
	EngineVersion string            `json:"engineVersion"`
	TargetVersion string            `json:"targetVersion"`
	Role          string            `json:"role"`
	Primary       string            `json:"primary,omitempty"`
	Status        string            `json:"status"`
	MaintainTime  string            `json:"maintainTime"`
	EffectiveTime string            `json:"effectiveTime"`
	Tags          map[string]string `json:"tags"` // never null
	// StorageGB is the instance's storage size (DBInstanceStorage), 0 when
	// unknown; it estimates how long an upgrade takes.
	StorageGB int `json:"storageGB,omitempty"`
}

// Summary counts the plan's contents.
type Summary struct {
	Instances  int      `json:"instances"`
	Steps      int      `json:"steps"`
	Unchanged  []string `json:"unchanged"` // ids of instances already at target; never null
	Clusters   int      `json:"clusters"`
	Waves      int      `json:"waves"`
	Denied     int      `json:"denied"`   // steps with at least one deny
	Warnings   int      `json:"warnings"` // warn findings in all
	Applicable bool     `json:"applicable"`
}

// Step returns the step with the given id, or nil.
func (p *Plan) Step(id string) *Step {
	for i := range p.Steps {
		if p.Steps[i].ID == id {
			return &p.Steps[i]
		}
	}
	return nil
}

// Instance returns the snapshot of the instance with the given id, or nil.
func (p *Plan) Instance(id string) *Instance {
	for i := range p.Instances {
		if p.Instances[i].ID == id {
			return &p.Instances[i]
		}
	}
	return nil
}
