package render

import (
	"encoding/json"
	"io"
	"time"

	"github.com/rdsup/rdsup/plans"
	"github.com/rdsup/rdsup/schedule"
)

// scheduleJSON writes the whole schedule: every step, cluster and extra
// night. Times are RFC 3339 UTC; a step that never starts has no start
// and end but a reason.
type scheduleJSON struct{}

type jsonSchedule struct {
	From        string             `json:"from"`
	Finish      string             `json:"finish"`
	Concurrency int                `json:"concurrency"`
	Steps       []jsonSchedStep    `json:"steps"`
	Clusters    []jsonSchedCluster `json:"clusters"`
	Stages      []jsonSchedStage   `json:"stages,omitempty"` // only for a plan with rollout stages
	ExtraNights []jsonExtraNight   `json:"extraNights"`
}

type jsonSchedStep struct {
	ID         string `json:"id"`
	Instance   string `json:"instance"`
	Cluster    string `json:"cluster"`
	Ready      string `json:"ready,omitempty"`
	Start      string `json:"start,omitempty"`
	End        string `json:"end,omitempty"`
	Slot       bool   `json:"slot"`
	WindowWait bool   `json:"windowWait"`
	Reason     string `json:"reason,omitempty"`
}

type jsonSchedCluster struct {
	ID    string `json:"id"`
	Steps int    `json:"steps"`
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type jsonSchedStage struct {
	Name  string `json:"name"`
	Steps int    `json:"steps"`
	Start string `json:"start,omitempty"`
	End   string `json:"end,omitempty"`
}

type jsonExtraNight struct {
	Cluster      string `json:"cluster"`
	Step         string `json:"step"`
	ReplicasDone string `json:"replicasDone"`
	Start        string `json:"start"`
	Window       string `json:"window"`
	Suggest      string `json:"suggest"`
	SavesSeconds int64  `json:"savesSeconds"`
	Message      string `json:"message"`
}

func stamp(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func (scheduleJSON) RenderSchedule(w io.Writer, _ *plans.Plan, s *schedule.Schedule, _ Options) error {
	out := jsonSchedule{From: stamp(s.From), Finish: stamp(s.Finish), Concurrency: s.Concurrency,
		Steps: []jsonSchedStep{}, Clusters: []jsonSchedCluster{}, ExtraNights: []jsonExtraNight{}}
	for _, st := range s.Steps {
		out.Steps = append(out.Steps, jsonSchedStep{ID: st.ID, Instance: st.Instance, Cluster: st.Cluster,
			Ready: stamp(st.Ready), Start: stamp(st.Start), End: stamp(st.End), Slot: st.Slot, WindowWait: st.WindowWait, Reason: st.Reason})
	}
	for _, c := range s.Clusters {
		out.Clusters = append(out.Clusters, jsonSchedCluster{ID: c.ID, Steps: c.Steps, Start: stamp(c.Start), End: stamp(c.End)})
	}
	for _, st := range s.Stages {
		out.Stages = append(out.Stages, jsonSchedStage{Name: st.Name, Steps: st.Steps, Start: stamp(st.Start), End: stamp(st.End)})
	}
	for _, e := range s.ExtraNights {
		out.ExtraNights = append(out.ExtraNights, jsonExtraNight{Cluster: e.Cluster, Step: e.Step, ReplicasDone: stamp(e.ReplicasDone),
			Start: stamp(e.Start), Window: e.Window, Suggest: e.Suggest, SavesSeconds: int64(e.Saves / time.Second), Message: e.Message()})
	}
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(out)
}
