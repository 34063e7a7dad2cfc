package rdssim

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/rdsup/rdsup/internal/atomicfile"
)

// StateFormatVersion is the version of the state file Save writes and Load
// reads; any other version is refused.
const StateFormatVersion = 1

// ErrStateFormat is returned by Load and Restore for a state file this build
// cannot read.
var ErrStateFormat = errors.New("unsupported simulator state format")

// state is the persisted form of a simulator: the fleet, its tasks, the
// client tokens, the call log and the counters that keep fault draws and
// ids replayable.
type state struct {
	FormatVersion int               `json:"formatVersion"`
	SavedAt       time.Time         `json:"savedAt"` // simulator clock
	Instances     []*instance       `json:"instances"`
	Tasks         []*task           `json:"tasks"` // in creation order
	Tokens        map[string]string `json:"tokens"`
	Calls         []Call            `json:"calls"`
	Seen          map[string]int    `json:"seen"`
	Seq           int               `json:"seq"`
	TaskSeq       int               `json:"taskSeq"`
}

// MarshalState encodes the simulator's state as JSON.
func (s *Sim) MarshalState() ([]byte, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.clock.Now()
	st := state{FormatVersion: StateFormatVersion, SavedAt: now, Tokens: s.tokens, Calls: s.calls,
		Seen: s.seen, Seq: s.seq, TaskSeq: s.taskSeq}
	for _, id := range s.ids {
		in := s.inst[id]
		s.settle(in, now)
		st.Instances = append(st.Instances, in)
	}
	for _, id := range s.taskOrder {
		st.Tasks = append(st.Tasks, s.tasks[id])
	}
	return json.MarshalIndent(st, "", "  ")
}

// Save writes the simulator's state to path atomically.
func (s *Sim) Save(path string) error {
	b, err := s.MarshalState()
	if err != nil {
		return fmt.Errorf("save simulator state: %w", err)
	}
	if err := atomicfile.Write(path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("save simulator state to %s: %w", path, err)
	}
	return nil
}

// Load returns a simulator restored from a state file written by Save; the
// fleet comes from the file, everything else (keys, clock, faults) from opts.
func Load(path string, opts Options) (*Sim, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("load simulator state: %w", err)
	}
	s, err := Restore(b, opts)
	if err != nil {
		return nil, fmt.Errorf("load simulator state from %s: %w", path, err)
	}
	return s, nil
}

// Restore is Load from bytes.
func Restore(data []byte, opts Options) (*Sim, error) {
	var st state
	if err := json.Unmarshal(data, &st); err != nil {
		return nil, fmt.Errorf("decode: %w (delete the file to start from the inventory again)", err)
	}
	if st.FormatVersion != StateFormatVersion {
		return nil, fmt.Errorf("%w: file has version %d, this build reads %d", ErrStateFormat, st.FormatVersion, StateFormatVersion)
	}
	s := newSim(opts)
	for _, in := range st.Instances {
		if in == nil || in.ID == "" {
			return nil, errors.New("instance without id")
		}
		s.inst[in.ID] = in
	}
	for _, t := range st.Tasks {
		if t == nil || s.inst[t.InstanceID] == nil {
			return nil, errors.New("task of an unknown instance")
		}
		s.addTask(t)
	}
	for _, in := range s.inst {
		if in.TaskID != "" && s.tasks[in.TaskID] == nil {
			return nil, fmt.Errorf("instance %s: unknown task %s", in.ID, in.TaskID)
		}
	}
	if st.Tokens != nil {
		s.tokens = st.Tokens
	}
	if st.Seen != nil {
		s.seen = st.Seen
	}
	s.calls, s.seq, s.taskSeq = st.Calls, st.Seq, max(st.TaskSeq, s.taskSeq)
	if err := s.checkRefusals(); err != nil {
		return nil, err
	}
	s.reindex()
	return s, nil
}
