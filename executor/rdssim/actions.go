package rdssim

import (
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/rdsup/rdsup/plans"
)

const timeFormat = "2006-01-02T15:04:05Z"

// maxIDsPerCall bounds DBInstanceId lists in DescribeDBInstanceAttribute,
// as the API reference does.
const maxIDsPerCall = 30

func (s *Sim) describeDBInstances(p params, now time.Time) (map[string]any, string, string, *apiError) {
	region := p.get("RegionId")
	if region == "" {
		return nil, "", "", errMissing("RegionId")
	}
	size, number, err := paging(p, 30, 1, 100)
	if err != nil {
		return nil, "", "", err
	}
	want := map[string]string{
		"Engine": p.get("Engine"), "DBInstanceStatus": p.get("DBInstanceStatus"),
		"DBInstanceType": p.get("DBInstanceType"), "EngineVersion": p.get("EngineVersion"),
	}
	ids := splitIDs(p.get("DBInstanceId"))
	tags, terr := tagFilter(p)
	if terr != nil {
		return nil, "", "", terr
	}
	var match []dbInstanceItem
	for _, id := range s.ids {
		in := s.inst[id]
		if in.Region != "" && in.Region != region {
			continue
		}
		if len(ids) > 0 && !slices.Contains(ids, id) || !hasTags(in, tags) {
			continue
		}
		s.observe(in, now)
		status := s.statusLocked(in, now)
		if !matches(want["Engine"], in.Engine) || !matches(want["DBInstanceStatus"], status) ||
			!matches(want["DBInstanceType"], in.Type) || !matches(want["EngineVersion"], in.EngineVersion) {
			continue
		}
		match = append(match, dbInstanceItem{dbInstanceCommon: s.common(in, now),
			CreateTime: in.Created.Format(timeFormat)})
	}
	if tokenPaging(p) {
		return tokenPage(p, match)
	}
	total := len(match)
	lo := min((number-1)*size, total)
	hi := min(lo+size, total)
	page := match[lo:hi]
	if page == nil {
		page = []dbInstanceItem{}
	}
	return map[string]any{
		"Items":            map[string]any{"DBInstance": page},
		"TotalRecordCount": total,
		"PageNumber":       number,
		"PageRecordCount":  len(page),
	}, "ok", "", nil
}

// matches reports whether a filter (empty = any; may be comma-separated)
// admits value.
func matches(filter, value string) bool {
	if filter == "" {
		return true
	}
	for _, f := range strings.Split(filter, ",") {
		if strings.EqualFold(strings.TrimSpace(f), value) {
			return true
		}
	}
	return false
}

// paging reads PageSize (def when absent, lo..hi) and PageNumber (1 or more).
func paging(p params, def, lo, hi int) (size, number int, err *apiError) {
	size, number = def, 1
	if v := p.get("PageSize"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < lo || n > hi {
			return 0, 0, errf(http.StatusBadRequest, "InvalidPageSize.Malformed",
				"Specified parameter PageSize %q is not valid (%d to %d).", v, lo, hi)
		}
		size = n
	}
	if v := p.get("PageNumber"); v != "" {
		n, e := strconv.Atoi(v)
		if e != nil || n < 1 {
			return 0, 0, errf(http.StatusBadRequest, "InvalidPageNumber.Malformed",
				"Specified parameter PageNumber %q is not valid (1 or more).", v)
		}
		number = n
	}
	return size, number, nil
}

// roIDs is the ReadOnlyDBInstanceIds element of both describe actions.
type roIDs struct {
	ReadOnlyDBInstanceID []roID `json:"ReadOnlyDBInstanceId"`
}

type roID struct {
	DBInstanceID string `json:"DBInstanceId"`
}

// dbInstanceCommon are the fields DescribeDBInstances and
// DescribeDBInstanceAttribute share, with the real API's names.
type dbInstanceCommon struct {
	DBInstanceID          string `json:"DBInstanceId"`
	DBInstanceDescription string `json:"DBInstanceDescription"`
	DBInstanceStatus      string `json:"DBInstanceStatus"`
	Engine                string `json:"Engine"`
	EngineVersion         string `json:"EngineVersion"`
	DBInstanceType        string `json:"DBInstanceType"`
	MasterInstanceID      string `json:"MasterInstanceId"`
	GuardDBInstanceID     string `json:"GuardDBInstanceId"`
	ReadOnlyDBInstanceIDs roIDs  `json:"ReadOnlyDBInstanceIds"`
	RegionID              string `json:"RegionId"`
	ZoneID                string `json:"ZoneId"`
	DBInstanceClass       string `json:"DBInstanceClass"`
	DBInstanceNetType     string `json:"DBInstanceNetType"`
	InstanceNetworkType   string `json:"InstanceNetworkType"`
	PayType               string `json:"PayType"`
	LockMode              string `json:"LockMode"`
	LockReason            string `json:"LockReason"`
	Category              string `json:"Category"`
}

// dbInstanceItem is one Items.DBInstance[] entry of DescribeDBInstances.
type dbInstanceItem struct {
	dbInstanceCommon
	CreateTime    string `json:"CreateTime"`
	MutriORsignle bool   `json:"MutriORsignle"`
}

// dbInstanceAttribute is one Items.DBInstanceAttribute[] entry of
// DescribeDBInstanceAttribute.
type dbInstanceAttribute struct {
	dbInstanceCommon
	MaintainTime     string `json:"MaintainTime"`
	CreationTime     string `json:"CreationTime"`
	ConnectionString string `json:"ConnectionString"`
	Port             string `json:"Port"`
	MaxConnections   int    `json:"MaxConnections"`
	// DBInstanceStorage is the storage size in GB.
	DBInstanceStorage int `json:"DBInstanceStorage"`
}

func (s *Sim) common(in *instance, now time.Time) dbInstanceCommon {
	ro := roIDs{ReadOnlyDBInstanceID: []roID{}}
	for _, id := range s.replicasLocked(in.ID, TypeReadonly) {
		ro.ReadOnlyDBInstanceID = append(ro.ReadOnlyDBInstanceID, roID{id})
	}
	lockMode, lockReason := "Unlock", ""
	if s.opts.Refuse[in.ID] == codeLocked {
		lockMode, lockReason = "LockByExpiration", "instance expired"
	}
	return dbInstanceCommon{
		DBInstanceID:          in.ID,
		DBInstanceDescription: in.ID,
		DBInstanceStatus:      s.statusLocked(in, now),
		Engine:                in.Engine,
		EngineVersion:         in.EngineVersion,
		DBInstanceType:        in.Type,
		MasterInstanceID:      in.Master,
		GuardDBInstanceID:     s.guardLocked(in.ID),
		ReadOnlyDBInstanceIDs: ro,
		RegionID:              in.Region,
		ZoneID:                in.Region + "-a",
		DBInstanceClass:       "mysql.n2.medium.1",
		DBInstanceNetType:     "Intranet",
		InstanceNetworkType:   "VPC",
		PayType:               "Postpaid",
		LockMode:              lockMode,
		LockReason:            lockReason,
		Category:              "HighAvailability",
	}
}

func (s *Sim) describeDBInstanceAttribute(p params, now time.Time) (map[string]any, string, string, *apiError) {
	ids := splitIDs(p.get("DBInstanceId"))
	if len(ids) == 0 {
		return nil, "", "", errMissing("DBInstanceId")
	}
	if len(ids) > maxIDsPerCall {
		return nil, "", "", errf(http.StatusBadRequest, "InvalidParameter",
			"Specified parameter DBInstanceId lists %d instances; at most %d per call.", len(ids), maxIDsPerCall)
	}
	items := make([]dbInstanceAttribute, 0, len(ids))
	for _, id := range ids {
		in, ok := s.inst[id]
		if !ok {
			return nil, "", "", errNotFound(id)
		}
		s.observe(in, now)
		items = append(items, dbInstanceAttribute{
			dbInstanceCommon: s.common(in, now),
			MaintainTime:     in.MaintainTime,
			CreationTime:     in.Created.Format(timeFormat),
			ConnectionString: in.ID + ".mysql.rds.aliyuncs.com",
			Port:             "3306",
			MaxConnections:   2000,
		})
		items[len(items)-1].DBInstanceStorage = in.StorageGB
	}
	return map[string]any{"Items": map[string]any{"DBInstanceAttribute": items}}, "ok", "", nil
}

func (s *Sim) upgradeDBInstanceEngineVersion(p params, now time.Time) (map[string]any, string, string, *apiError) {
	id, version := p.get("DBInstanceId"), p.get("EngineVersion")
	if id == "" {
		return nil, "", "", errMissing("DBInstanceId")
	}
	if version == "" {
		return nil, "", "", errMissing("EngineVersion")
	}
	eff := p.get("EffectiveTime")
	if eff == "" {
		eff = "Immediate"
	}
	if eff != "Immediate" && eff != "MaintainTime" {
		return nil, "", "", errf(http.StatusBadRequest, "InvalidEffectiveTime.Malformed",
			"Specified parameter EffectiveTime %q is not valid (Immediate or MaintainTime).", eff)
	}
	token := p.get("ClientToken")
	if len(token) > 64 {
		return nil, "", "", errf(http.StatusBadRequest, "InvalidClientToken.Malformed",
			"Specified ClientToken is longer than 64 characters.")
	}
	if token != "" {
		if tid, ok := s.tokens[actionUpgrade+"\x00"+token]; ok {
			t := s.tasks[tid]
			if t.InstanceID != id || t.To != version || t.EffectiveTime != eff {
				return nil, "", "", errf(http.StatusBadRequest, "IdempotentParameterMismatch",
					"The ClientToken %q was used by a previous request with different parameters (instance %s, version %s, %s).",
					token, t.InstanceID, t.To, t.EffectiveTime)
			}
			return map[string]any{"TaskId": t.ID}, "deduplicated", t.ID, nil
		}
	}
	in, ok := s.inst[id]
	if !ok {
		return nil, "", "", errNotFound(id)
	}
	s.observe(in, now)
	if err := s.refusalFor(id); err != nil {
		return nil, "", "", err
	}
	if st := s.statusLocked(in, now); st != StatusRunning || in.TaskID != "" {
		if st == StatusRunning {
			st = "Running with a scheduled task " + in.TaskID
		}
		return nil, "", "", errf(http.StatusForbidden, "IncorrectDBInstanceState",
			"The operation is not permitted due to status of instance %s: %s.", id, st)
	}
	if !pathSupported(s.opts.UpgradePaths, in.Engine, in.EngineVersion, version) {
		return nil, "", "", errf(http.StatusForbidden, "IncorrectEngineVersion",
			"The engine version does not support the operation: upgrading %s from %s to %s is not supported for instance %s.",
			in.Engine, in.EngineVersion, version, id)
	}
	if in.Type == TypePrimary {
		for _, rid := range slices.Concat(s.replicasLocked(id, TypeReadonly), s.replicasLocked(id, TypeGuard)) {
			r := s.inst[rid]
			s.settle(r, now)
			if r.EngineVersion != version {
				return nil, "", "", errf(http.StatusForbidden, "UnsupportedReadOrBakReadState",
					"Current DB instance has read or bak read instance in an unsupported state: the %s instance %s of %s runs %s; upgrade it to %s before its primary.",
					strings.ToLower(r.Type), rid, id, r.EngineVersion, version)
			}
		}
	}
	if m, ok := s.inst[in.Master]; ok && in.Type != TypePrimary {
		s.settle(m, now)
		if pathSupported(s.opts.UpgradePaths, m.Engine, m.EngineVersion, in.EngineVersion) {
			return nil, "", "", errf(http.StatusForbidden, "UnsupportedReadOrBakReadState",
				"Current DB instance is a %s instance of %s, which runs %s: upgrade the primary to %s before taking %s to %s (replication across two major versions is unsupported).",
				strings.ToLower(in.Type), m.ID, m.EngineVersion, in.EngineVersion, id, version)
		}
	}
	s.taskSeq++
	t := &task{
		ID: strconv.Itoa(s.taskSeq), InstanceID: id, Action: actionUpgrade,
		From: in.EngineVersion, To: version, EffectiveTime: eff, ClientToken: token,
		Created: now, Start: now,
	}
	if eff == "MaintainTime" {
		t.Start = plans.WindowStart(in.MaintainTime, now)
	}
	t.End = t.Start.Add(s.duration(in))
	t.Fail = slices.Contains(s.faults.FailUpgrade, id) ||
		(s.faults.FailUpgradeRate > 0 && chance(s.opts.Seed, "fail", id, in.Upgrades) < s.faults.FailUpgradeRate)
	in.Upgrades++
	in.TaskID, in.LastTaskID = t.ID, t.ID
	s.addTask(t)
	if token != "" {
		s.tokens[actionUpgrade+"\x00"+token] = t.ID
	}
	return map[string]any{"TaskId": t.ID}, "applied", t.ID, nil
}
