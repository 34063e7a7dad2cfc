package rdssim

import (
	"encoding/base64"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

// What discovery reads, shaped like the service: the region list
// (DescribeRegions), the tags of instances (ListTagResources), the tag
// filter and NextToken/MaxResults paging of DescribeDBInstances, and the
// storage size (DBInstanceStorage of DescribeDBInstanceAttribute).

func init() {
	actions["DescribeRegions"] = (*Sim).describeRegions
	actions["ListTagResources"] = (*Sim).listTagResources
}

// baseRegions are served by DescribeRegions besides the fleet's own.
var baseRegions = []string{"cn-beijing", "cn-hangzhou", "cn-shanghai", "cn-shenzhen", "ap-southeast-1"}

// maxTagFilter is how many tags one filter may name, as the reference says.
const maxTagFilter = 5

// maxTagResourceIDs bounds ResourceId.N of ListTagResources; tagPageSize is
// how many (resource, tag) pairs one page of its answer carries.
const (
	maxTagResourceIDs = 50
	tagPageSize       = 50
)

// storageSizes are the sizes an instance seeded without storageGB gets.
var storageSizes = []int{20, 50, 100, 200, 500, 1000, 2000}

// storageFor is the seeded instance's storage: the inventory's, or one of
// storageSizes drawn from seed.
func storageFor(seed int64, in plans.Instance) int {
	if in.StorageGB > 0 {
		return in.StorageGB
	}
	return storageSizes[int(chance(seed, "storage", in.ID, 0)*float64(len(storageSizes)))]
}

// tagFilter reads the tags a request filters on: the JSON `Tags`
// ({"k":"v",...}) and the indexed Tag.N.Key / Tag.N.Value pairs (the SDK
// spells them Tag.N.key / Tag.N.value on DescribeDBInstances).
func tagFilter(p params) (map[string]string, *apiError) {
	tags := map[string]string{}
	if raw := p.get("Tags"); raw != "" {
		if err := json.Unmarshal([]byte(raw), &tags); err != nil {
			return nil, errf(http.StatusBadRequest, "InvalidTags.Malformed",
				"Specified parameter Tags is not valid: want a JSON object such as {\"env\":\"prod\"}.")
		}
	}
	for n := 1; ; n++ {
		pre := "Tag." + strconv.Itoa(n) + "."
		k, v := first(p, pre+"Key", pre+"key"), first(p, pre+"Value", pre+"value")
		if k == "" && v == "" {
			if n > maxTagFilter {
				break
			}
			continue
		}
		if k == "" {
			return nil, errf(http.StatusBadRequest, "InvalidTagKey.Malformed", "Specified parameter %sKey is empty.", pre)
		}
		tags[k] = v
	}
	if len(tags) > maxTagFilter {
		return nil, errf(http.StatusBadRequest, "InvalidParameter",
			"Specified tag filter names %d tags; at most %d.", len(tags), maxTagFilter)
	}
	return tags, nil
}

func first(p params, keys ...string) string {
	for _, k := range keys {
		if v := p.get(k); v != "" {
			return v
		}
	}
	return ""
}

// hasTags reports whether in carries every tag of want.
func hasTags(in *instance, want map[string]string) bool {
	for k, v := range want {
		if got, ok := in.Tags[k]; !ok || got != v {
			return false
		}
	}
	return true
}

// tokenPaging reports whether a DescribeDBInstances request pages with
// NextToken / MaxResults rather than page numbers.
func tokenPaging(p params) bool { return p.get("NextToken") != "" || p.get("MaxResults") != "" }

// tokenPage answers a NextToken / MaxResults page: MaxResults 1–100
// (default 30); the token names the last id of the previous page, so pages
// stay consistent while the fleet is read.
func tokenPage(p params, match []dbInstanceItem) (map[string]any, string, string, *apiError) {
	size := 30
	if v := p.get("MaxResults"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 100 {
			return nil, "", "", errf(http.StatusBadRequest, "InvalidMaxResults.Malformed",
				"Specified parameter MaxResults %q is not valid (1 to 100).", v)
		}
		size = n
	}
	start := 0
	if tok := p.get("NextToken"); tok != "" {
		after, err := base64.RawURLEncoding.DecodeString(tok)
		if err != nil || !strings.HasPrefix(string(after), "after:") {
			return nil, "", "", errf(http.StatusBadRequest, "InvalidNextToken.Malformed", "Specified parameter NextToken is not valid.")
		}
		last := strings.TrimPrefix(string(after), "after:")
		start, _ = slices.BinarySearchFunc(match, last, func(it dbInstanceItem, id string) int { return strings.Compare(it.DBInstanceID, id) })
		if start < len(match) && match[start].DBInstanceID == last {
			start++
		}
	}
	end := min(start+size, len(match))
	page := append([]dbInstanceItem{}, match[start:end]...)
	next := ""
	if end < len(match) {
		next = base64.RawURLEncoding.EncodeToString([]byte("after:" + match[end-1].DBInstanceID))
	}
	return map[string]any{
		"Items":            map[string]any{"DBInstance": page},
		"TotalRecordCount": len(match),
		"PageRecordCount":  len(page),
		"NextToken":        next,
	}, "ok", "", nil
}

type rdsRegion struct {
	RegionID       string `json:"RegionId"`
	ZoneID         string `json:"ZoneId"`
	LocalName      string `json:"LocalName"`
	ZoneName       string `json:"ZoneName"`
	RegionEndpoint string `json:"RegionEndpoint"`
}

// describeRegions lists the regions (one entry per zone, as the service
// does): the fleet's and baseRegions.
func (s *Sim) describeRegions(_ params, _ time.Time) (map[string]any, string, string, *apiError) {
	set := map[string]bool{}
	for _, r := range baseRegions {
		set[r] = true
	}
	for _, in := range s.inst {
		if in.Region != "" {
			set[in.Region] = true
		}
	}
	var out []rdsRegion
	for _, r := range slices.Sorted(maps.Keys(set)) {
		for _, z := range []string{"a", "b"} {
			out = append(out, rdsRegion{RegionID: r, ZoneID: r + "-" + z, LocalName: r, ZoneName: r + " zone " + strings.ToUpper(z),
				RegionEndpoint: "rds.aliyuncs.com"})
		}
	}
	return map[string]any{"Regions": map[string]any{"RDSRegion": out}}, "ok", "", nil
}

type tagResource struct {
	ResourceID   string `json:"ResourceId"`
	ResourceType string `json:"ResourceType"`
	TagKey       string `json:"TagKey"`
	TagValue     string `json:"TagValue"`
}

// listTagResources answers ListTagResources for instances of one region:
// ResourceType INSTANCE, ResourceId.N (at most 50) and/or Tag.N filters,
// tagPageSize pairs per page with NextToken.
func (s *Sim) listTagResources(p params, _ time.Time) (map[string]any, string, string, *apiError) {
	region := p.get("RegionId")
	if region == "" {
		return nil, "", "", errMissing("RegionId")
	}
	if t := p.get("ResourceType"); t == "" {
		return nil, "", "", errMissing("ResourceType")
	} else if !strings.EqualFold(t, "INSTANCE") {
		return nil, "", "", errf(http.StatusBadRequest, "InvalidResourceType.NotSupported", "Specified ResourceType %q is not supported (INSTANCE).", t)
	}
	var ids []string
	for n := 1; p.get("ResourceId."+strconv.Itoa(n)) != ""; n++ {
		ids = append(ids, p.get("ResourceId."+strconv.Itoa(n)))
	}
	if len(ids) > maxTagResourceIDs {
		return nil, "", "", errf(http.StatusBadRequest, "InvalidParameter",
			"Specified parameter ResourceId lists %d instances; at most %d per call.", len(ids), maxTagResourceIDs)
	}
	want, err := tagFilter(p)
	if err != nil {
		return nil, "", "", err
	}
	if len(ids) == 0 && len(want) == 0 {
		return nil, "", "", errf(http.StatusBadRequest, "MissingParameter", "ResourceId or Tag is mandatory for this action.")
	}
	if len(ids) == 0 {
		ids = slices.Clone(s.ids)
	}
	slices.Sort(ids)
	var all []tagResource
	for _, id := range slices.Compact(ids) {
		in, ok := s.inst[id]
		if !ok || (in.Region != "" && in.Region != region) || !hasTags(in, want) {
			continue
		}
		for _, k := range slices.Sorted(maps.Keys(in.Tags)) {
			all = append(all, tagResource{ResourceID: id, ResourceType: "ALIYUN::RDS::INSTANCE", TagKey: k, TagValue: in.Tags[k]})
		}
	}
	start := 0
	if tok := p.get("NextToken"); tok != "" {
		n, err := strconv.Atoi(tok)
		if err != nil || n < 0 || n > len(all) {
			return nil, "", "", errf(http.StatusBadRequest, "InvalidNextToken.Malformed", "Specified parameter NextToken is not valid.")
		}
		start = n
	}
	end := min(start+tagPageSize, len(all))
	next := ""
	if end < len(all) {
		next = strconv.Itoa(end)
	}
	page := append([]tagResource{}, all[start:end]...)
	return map[string]any{"TagResources": map[string]any{"TagResource": page}, "NextToken": next}, "ok", "", nil
}
