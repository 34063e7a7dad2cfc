package executor

// Hooks for the external tests (package executor_test).

// SetFailAfter makes the journal fail after n more appends, as if the
// process died there (crash tests).
func (j *Journal) SetFailAfter(n int) { j.failAfter = n }

// UpgradeOf is the upgrade request of a step.
var UpgradeOf = upgradeOf

func init() { strictTransitions = true }
