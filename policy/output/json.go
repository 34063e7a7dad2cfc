package output

import (
	"encoding/json"
	"io"

	"github.com/rdsup/rdsup/policy"
)

// jsonRenderer writes the report as one JSON document:
//
//	{"planFile", "planId", "policyDigest", "at", "steps": [{"step",
//	 "instance", "deny": [{"rule", "msg", "metadata"?}], "warn": [...]}],
//	 "denied", "warnings", "applicable"}
//
// Steps are in plan order; field order and names are stable.
type jsonRenderer struct{}

func (jsonRenderer) Render(w io.Writer, r *policy.Report) error {
	doc := struct {
		*policy.Report
		Applicable bool `json:"applicable"`
	}{r, r.Applicable()}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(doc)
}
