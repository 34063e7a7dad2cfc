package rdssim

import (
	"encoding/json"
	"net/http"
	"strconv"
	"time"
)

// tasksFor returns the tasks matching the filters, oldest first, settling
// their instances first.
func (s *Sim) tasksFor(now time.Time, instanceID, taskID, statuses string) []*task {
	var out []*task
	ids := s.taskOrder
	if instanceID != "" {
		ids = s.taskByInst[instanceID]
	}
	for _, tid := range ids {
		t := s.tasks[tid]
		if instanceID != "" && t.InstanceID != instanceID {
			continue
		}
		if taskID != "" && t.ID != taskID {
			continue
		}
		s.settle(s.inst[t.InstanceID], now)
		if !matches(statuses, t.status(now)) {
			continue
		}
		out = append(out, t)
	}
	return out
}

func remain(t *task, now time.Time) int {
	if d := t.End.Sub(now); d > 0 {
		return int(d.Round(time.Second) / time.Second)
	}
	return 0
}

func (s *Sim) describeTasks(p params, now time.Time) (map[string]any, string, string, *apiError) {
	id := p.get("DBInstanceId")
	if id == "" {
		return nil, "", "", errMissing("DBInstanceId")
	}
	if _, ok := s.inst[id]; !ok {
		return nil, "", "", errNotFound(id)
	}
	size, number, err := paging(p, 30, 30, 100)
	if err != nil {
		return nil, "", "", err
	}
	var items []map[string]any
	for _, t := range s.tasksFor(now, id, "", p.get("Status")) {
		if !matches(p.get("TaskAction"), t.Action) {
			continue
		}
		m := map[string]any{
			"TaskId": t.ID, "TaskAction": t.Action, "Status": t.status(now),
			"Progress":           strconv.FormatFloat(t.progress(now), 'f', 1, 64),
			"BeginTime":          t.Start.Format(timeFormat),
			"ExpectedFinishTime": t.End.Format(timeFormat),
			"Remain":             remain(t, now),
			"CurrentStepName":    stepName(t, now),
			"DBName":             "",
		}
		if st := t.status(now); st == TaskSucceed || st == TaskFailed {
			m["FinishTime"] = t.End.Format(timeFormat)
		}
		if t.status(now) == TaskFailed {
			m["TaskErrorCode"] = "UpgradeFailed"
			m["TaskErrorMessage"] = "engine upgrade failed; instance rolled back to " + t.From
		}
		items = append(items, m)
	}
	page := pageOf(items, size, number)
	return map[string]any{
		"Items":            map[string]any{"TaskProgressInfo": page},
		"TotalRecordCount": len(items),
		"PageNumber":       number,
		"PageRecordCount":  len(page),
	}, "ok", "", nil
}

// startRange reads the required FromStartTime and ToStartTime (UTC,
// yyyy-MM-ddTHH:mm:ssZ; ToStartTime not before FromStartTime): the range
// of task start times DescribeHistoryTasks answers for.
func startRange(p params) (from, to time.Time, err *apiError) {
	names := [2]string{"FromStartTime", "ToStartTime"}
	var ts [2]time.Time
	for i, k := range names {
		v := p.get(k)
		if v == "" {
			return from, to, errMissing(k)
		}
		t, e := time.Parse(timeFormat, v)
		if e != nil {
			return from, to, errf(http.StatusBadRequest, "InvalidParameter",
				"Specified parameter %s %q is not valid (want yyyy-MM-ddTHH:mm:ssZ, UTC).", k, v)
		}
		ts[i] = t
	}
	if ts[1].Before(ts[0]) {
		return from, to, errf(http.StatusBadRequest, "InvalidParameter",
			"Specified parameter ToStartTime %s is before FromStartTime %s.", p.get("ToStartTime"), p.get("FromStartTime"))
	}
	return ts[0], ts[1], nil
}

func (s *Sim) describeHistoryTasks(p params, now time.Time) (map[string]any, string, string, *apiError) {
	from, to, err := startRange(p)
	if err != nil {
		return nil, "", "", err
	}
	size, number, err := paging(p, 10, 10, 100)
	if err != nil {
		return nil, "", "", err
	}
	var items []map[string]any
	for _, t := range s.tasksFor(now, p.get("InstanceId"), p.get("TaskId"), p.get("Status")) {
		if !matches(p.get("TaskType"), t.Action) || t.Start.Before(from) || t.Start.After(to) {
			continue
		}
		in := s.inst[t.InstanceID]
		detail, _ := json.Marshal(map[string]string{"fromVersion": t.From, "toVersion": t.To, "effectiveTime": t.EffectiveTime})
		m := map[string]any{
			"TaskId": t.ID, "TaskType": t.Action, "Status": t.status(now),
			"Progress":        t.progress(now),
			"StartTime":       t.Start.Format(timeFormat),
			"RemainTime":      remain(t, now),
			"CurrentStepName": stepName(t, now),
			"RegionId":        in.Region, "InstanceId": t.InstanceID, "InstanceName": t.InstanceID,
			"InstanceType": "Instance", "DbType": in.Engine, "Product": "rds",
			"TaskDetail": string(detail), "CallerSource": "User",
		}
		if st := t.status(now); st == TaskSucceed || st == TaskFailed {
			m["EndTime"] = t.End.Format(timeFormat)
		}
		if t.status(now) == TaskFailed {
			m["ReasonCode"] = "UpgradeFailed"
		}
		items = append(items, m)
	}
	page := pageOf(items, size, number)
	return map[string]any{
		"Items": page, "TotalCount": len(items), "PageNumber": number, "PageSize": size,
	}, "ok", "", nil
}

func stepName(t *task, now time.Time) string {
	switch t.status(now) {
	case TaskScheduled:
		return "wait_maintain_window"
	case TaskRunning:
		return "upgrade_engine"
	case TaskFailed:
		return "rollback"
	}
	return "finished"
}

func pageOf(items []map[string]any, size, number int) []map[string]any {
	lo := min((number-1)*size, len(items))
	hi := min(lo+size, len(items))
	page := items[lo:hi]
	if page == nil {
		page = []map[string]any{}
	}
	return page
}
