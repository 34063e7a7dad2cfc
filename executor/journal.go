package executor

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// JournalVersion is the format version of journal files.
const JournalVersion = 1

// ErrJournalMismatch is returned for a journal written for another plan.
var ErrJournalMismatch = errors.New("journal belongs to another plan")

// Record is one line of the journal. Credentials never go in here.
type Record struct {
	Time time.Time `json:"time"`
	// Event is the state the step entered, spelled as the journal spells
	// it (see State.journalEvent); the header's is "journal".
	Event     State  `json:"event"`
	Plan      string `json:"plan,omitempty"`    // journal header only
	Version   int    `json:"version,omitempty"` // journal header only
	Step      string `json:"step,omitempty"`
	Instance  string `json:"instance,omitempty"`
	TaskID    string `json:"taskId,omitempty"`
	RequestID string `json:"requestId,omitempty"`
	Reason    string `json:"reason,omitempty"`
	// Unsettled marks a failed record of an accepted upgrade whose end was
	// not seen (step timeout, the instance could not be read): the next
	// apply polls it again rather than calling its ClientToken spent.
	Unsettled bool `json:"unsettled,omitempty"`
	// OpensAt, on a pending record with a TaskID: the accepted MaintainTime
	// upgrade waits for the maintenance window opening then (--no-wait).
	OpensAt time.Time `json:"opensAt,omitzero"`
}

// StepRecord is what the journal says about one step: its records folded.
type StepRecord struct {
	State       State     `json:"state"` // the last record's; "" when the journal has none (not started)
	Started     bool      `json:"started"`
	Submitted   bool      `json:"submitted"`
	TaskID      string    `json:"taskId,omitempty"`
	RequestID   string    `json:"requestId,omitempty"`
	Reason      string    `json:"reason,omitempty"`
	Unsettled   bool      `json:"unsettled,omitempty"` // failed before the accepted upgrade's end was seen: resume polls again
	SubmittedAt time.Time `json:"submittedAt,omitzero"`
	Updated     time.Time `json:"updated,omitzero"`
	// OpensAt: the step is pending after its upgrade was accepted
	// (Submitted): the cloud starts it in the window opening then.
	OpensAt time.Time `json:"opensAt,omitzero"`
}

// Journal is an append-only JSON-lines file, fsynced per record.
type Journal struct {
	path   string
	planID string

	mu      sync.Mutex
	f       *os.File
	steps   map[string]StepRecord
	written int64 // records written (not necessarily synced)

	broken  error          // a write failed: no record may follow
	bg      sync.WaitGroup // background fsyncs of AppendLazy
	syncMu  sync.Mutex
	synced  int64 // records covered by a completed fsync
	syncErr error // a failed fsync: the journal's durability is unknown
	// failAfter, when > 0, makes the journal fail after that many more
	// appends, as if the process died there (crash tests).
	failAfter int
}

// JournalPath is where the journal of the plan file at planPath lives.
func JournalPath(planPath string) string { return planPath + ".journal" }

// OpenJournal opens (or creates) the journal at path for plan planID. A
// torn last line — the process died mid-write — is cut off; any other
// damage, or a journal of another plan, is an error. The journal is never
// opened through a symbolic link (ErrNotRegular) and is created 0644 as
// the umask allows.
func OpenJournal(path, planID string) (*Journal, error) {
	f, err := openRegular("journal", path, os.O_RDWR|os.O_CREATE, filePerm)
	if err != nil {
		return nil, fmt.Errorf("open journal: %w", err)
	}
	data, err := io.ReadAll(f)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j := &Journal{path: path, planID: planID, steps: map[string]StepRecord{}}
	if len(data) == 0 {
		j.f = f
		if err := j.write(Record{Time: time.Now().UTC(), Event: eventJournal, Plan: planID, Version: JournalVersion}); err != nil {
			f.Close()
			return nil, err
		}
		syncDir(filepath.Dir(path))
		return j, nil
	}
	good, err := j.replay(data)
	if err != nil {
		f.Close()
		return nil, err
	}
	if good == 0 { // the header itself was torn: no step can have been recorded
		f.Close()
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("repair journal %s: %w", path, err)
		}
		return OpenJournal(path, planID)
	}
	if good < len(data) { // drop the torn tail so the next record starts on its own line
		if err := f.Truncate(int64(good)); err != nil {
			f.Close()
			return nil, fmt.Errorf("repair journal %s: %w", path, err)
		}
	}
	if _, err := f.Seek(int64(good), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("open journal: %w", err)
	}
	j.f = f
	return j, nil
}

// ReadJournal reads the journal at path without changing it. A missing
// journal reads as empty (nothing applied yet).
func ReadJournal(path, planID string) (map[string]StepRecord, error) {
	j := &Journal{path: path, planID: planID, steps: map[string]StepRecord{}}
	f, err := openRegular("journal", path, os.O_RDONLY, 0)
	if errors.Is(err, os.ErrNotExist) {
		return j.steps, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	data, err := io.ReadAll(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("read journal: %w", err)
	}
	if _, err := j.replay(data); err != nil {
		return nil, err
	}
	return j.steps, nil
}

// replay folds the records of data into j.steps and returns the length of
// the well-formed prefix. Only the last line may be torn (no newline, or
// not JSON); damage anywhere else is an error.
func (j *Journal) replay(data []byte) (int, error) {
	good, line := 0, 0
	for good < len(data) {
		line++
		nl := bytes.IndexByte(data[good:], '\n')
		if nl < 0 {
			break // torn last record: tolerated
		}
		var r Record
		if err := json.Unmarshal(data[good:good+nl], &r); err != nil {
			if good+nl+1 == len(data) {
				break // torn last record: tolerated
			}
			return 0, fmt.Errorf("journal %s line %d is damaged (%v); it cannot be resumed safely: move it away and check the fleet with `rdsup status`", j.path, line, err)
		}
		if line == 1 {
			if r.Event != eventJournal {
				return 0, fmt.Errorf("journal %s: first line is not a journal header; is this an rdsup journal?", j.path)
			}
			if r.Version != JournalVersion {
				return 0, fmt.Errorf("journal %s has format version %d; this build reads version %d: apply the plan with the rdsup that wrote the journal", j.path, r.Version, JournalVersion)
			}
			if r.Plan != j.planID {
				return 0, fmt.Errorf("%w: %s was written for plan %s, this plan is %s; move it away or apply the plan it belongs to", ErrJournalMismatch, j.path, shortID(r.Plan), shortID(j.planID))
			}
		} else {
			j.fold(r)
		}
		good += nl + 1
	}
	return good, nil
}

func (j *Journal) fold(r Record) { j.steps[r.Step] = FoldRecord(j.steps[r.Step], r) }

// FoldRecord returns what the journal says about a step, s, once record r
// of that step follows it. Every StepLog folds records this one way.
func FoldRecord(s StepRecord, r Record) StepRecord {
	s.State, s.Updated = r.Event, r.Time
	s.Unsettled = r.Event == Failed && r.Unsettled
	s.OpensAt = time.Time{}
	switch r.Event {
	case Started:
		s.Started = true
	case Upgrading:
		s.Started, s.Submitted = true, true
		if r.TaskID != "" {
			s.TaskID = r.TaskID
		}
		s.RequestID = r.RequestID
		if s.SubmittedAt.IsZero() {
			s.SubmittedAt = r.Time
		}
	case Succeeded, Failed:
		s.Reason = r.Reason
	case Pending, Scheduled:
		s.Reason = r.Reason
		if r.TaskID != "" {
			s.TaskID = r.TaskID
		}
		s.State = Pending
		if s.Submitted {
			s.State, s.OpensAt = Scheduled, r.OpensAt
		}
	}
	return s
}

// Steps returns a copy of the folded state of every step in the journal.
func (j *Journal) Steps() map[string]StepRecord {
	j.mu.Lock()
	defer j.mu.Unlock()
	out := make(map[string]StepRecord, len(j.steps))
	for k, v := range j.steps {
		out[k] = v
	}
	return out
}

// MarshalJSON writes the record as journal format 1 spells it.
func (r Record) MarshalJSON() ([]byte, error) {
	type plain Record
	return json.Marshal(struct {
		plain
		Event string `json:"event"`
	}{plain(r), r.Event.journalEvent()})
}

// UnmarshalJSON reads a record of journal format 1.
func (r *Record) UnmarshalJSON(b []byte) error {
	type plain Record
	var v struct {
		plain
		Event string `json:"event"`
	}
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	*r = Record(v.plain)
	switch v.Event {
	case eventSubmitted:
		r.Event = Upgrading
	case eventPending:
		r.Event = Pending
		if r.TaskID != "" {
			r.Event = Scheduled
		}
	default:
		r.Event = State(v.Event)
	}
	return nil
}

// Path returns the journal's file name.
func (j *Journal) Path() string { return j.path }

// errCrashed is what a journal with failAfter returns once it "died".
var errCrashed = errors.New("journal: simulated crash")

// Append writes one record and fsyncs it before returning. Concurrent
// appends share fsyncs (group commit): each returns only after an fsync
// that began after its record was written.
func (j *Journal) Append(r Record) error {
	seq, err := j.add(r)
	if err != nil {
		return err
	}
	return j.syncTo(seq)
}

// AppendLazy writes one record and fsyncs it in the background, grouped
// with other records, without waiting for that fsync. It is for records a
// resumed apply can do without (submitted, succeeded): if the process dies
// before the fsync, the next apply finds the same facts in the live state
// (the instance on the target; a re-sent ClientToken answered with the
// same task). Every later Append's fsync covers it — a step's "started"
// is never durable before the "succeeded" of the steps it depends on — and
// Close waits for it. A failed background fsync fails every later Append
// and Close.
func (j *Journal) AppendLazy(r Record) error {
	seq, err := j.add(r)
	if err != nil {
		return err
	}
	j.bg.Add(1)
	go func() {
		defer j.bg.Done()
		_ = j.syncTo(seq) // a failure is kept in j.syncErr
	}()
	return nil
}

// add writes one record (not yet synced) and returns its sequence number.
func (j *Journal) add(r Record) (int64, error) {
	if r.Time.IsZero() {
		r.Time = time.Now().UTC()
	}
	b, err := json.Marshal(r)
	if err != nil {
		return 0, fmt.Errorf("encode journal record: %w", err)
	}
	b = append(b, '\n')
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.failAfter < 0 {
		return 0, errCrashed
	}
	if j.failAfter > 0 {
		j.failAfter--
		if j.failAfter == 0 {
			j.failAfter = -1
			return 0, errCrashed
		}
	}
	if j.broken != nil {
		return 0, j.broken
	}
	if j.f == nil {
		return 0, fmt.Errorf("write journal %s: closed", j.path)
	}
	if _, err := j.f.Write(b); err != nil {
		// part of the record may be on disk: nothing may follow it
		j.broken = fmt.Errorf("write journal %s: %w", j.path, err)
		return 0, j.broken
	}
	j.written++
	j.fold(r)
	return j.written, nil
}

// syncTo makes sure an fsync covering record seq has completed.
func (j *Journal) syncTo(seq int64) error {
	j.syncMu.Lock()
	defer j.syncMu.Unlock()
	if j.syncErr != nil {
		return j.syncErr
	}
	if j.synced >= seq {
		return nil
	}
	j.mu.Lock()
	target, f := j.written, j.f
	j.mu.Unlock()
	if f == nil {
		return fmt.Errorf("sync journal %s: closed", j.path)
	}
	if err := f.Sync(); err != nil {
		j.syncErr = fmt.Errorf("sync journal %s: %w", j.path, err)
		return j.syncErr
	}
	j.synced = target
	return nil
}

func (j *Journal) write(r Record) error {
	b, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("encode journal record: %w", err)
	}
	b = append(b, '\n')
	if _, err := j.f.Write(b); err != nil {
		return fmt.Errorf("write journal %s: %w", j.path, err)
	}
	if err := j.f.Sync(); err != nil {
		return fmt.Errorf("sync journal %s: %w", j.path, err)
	}
	return nil
}

// Close waits for background fsyncs and closes the journal file.
func (j *Journal) Close() error {
	j.bg.Wait()
	j.syncMu.Lock()
	syncErr := j.syncErr
	j.syncMu.Unlock()
	j.mu.Lock()
	defer j.mu.Unlock()
	if j.f == nil {
		return nil
	}
	err := j.f.Close()
	j.f = nil
	return errors.Join(syncErr, err)
}

func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		_ = d.Sync()
		d.Close()
	}
}

func shortID(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}
