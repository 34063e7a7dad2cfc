package planner

import (
	"fmt"
	"slices"
)

//go:generate go run ./internal/regiongen -o regions_gen.go

// KnownRegion reports whether region is one the Alibaba Cloud SDK knows
// for RDS; when not, hint names the closest known region or how to find one.
func KnownRegion(region string) (ok bool, hint string) {
	p := &problems{}
	checkRegion(p, 0, "", region)
	if len(p.errs) == 0 {
		return true, ""
	}
	return false, p.errs[0].Hint
}

// checkRegion reports a region the Alibaba Cloud SDK does not know for RDS
// (see internal/regiongen), with the closest known one as a hint. No
// network is used: the table is generated from the SDK rdsup is built with.
func checkRegion(p *problems, line int, id, region string) {
	if _, ok := slices.BinarySearch(knownRegions, region); ok {
		return
	}
	hint := fmt.Sprintf("a region id such as cn-hangzhou, one of the %d the Alibaba Cloud SDK %s knows for RDS", len(knownRegions), regionsSDK)
	if s := suggest(region, knownRegions); s != "" {
		hint = s[2:]
	}
	p.add(line, id, hint, "unknown region %q", region)
}

// Regions lists the region ids an inventory may name (the SDK's RDS
// regions), sorted; shell completion offers them.
func Regions() []string { return slices.Clone(knownRegions) }
