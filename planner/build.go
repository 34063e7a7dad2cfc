package planner

import "github.com/rdsup/rdsup/plans"

// Build turns a validated inventory into an unsealed plan: steps ordered,
// dependencies and waves set, the inventory snapshot and summary filled,
// no policy findings yet. Call plans.Seal after the policies ran.
func Build(inv *Inventory) (*plans.Plan, error) { panic("STUB") }
