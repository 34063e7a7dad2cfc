package executor_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	. "github.com/rdsup/rdsup/executor"
)

func TestJournalRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.journal")
	j, err := OpenJournal(path, "plan-1")
	if err != nil {
		t.Fatal(err)
	}
	recs := []Record{
		{Event: Started, Step: "a", Instance: "a"},
		{Event: Upgrading, Step: "a", Instance: "a", TaskID: "T1", RequestID: "R1"},
		{Event: Started, Step: "b", Instance: "b"},
		{Event: Succeeded, Step: "a", Instance: "a", TaskID: "T1"},
		{Event: Failed, Step: "b", Instance: "b", Reason: "boom"},
	}
	for _, r := range recs {
		if err := j.Append(r); err != nil {
			t.Fatal(err)
		}
	}
	j.Close()
	got, err := ReadJournal(path, "plan-1")
	if err != nil {
		t.Fatal(err)
	}
	if a := got["a"]; a.State != Succeeded || !a.Submitted || a.TaskID != "T1" || a.RequestID != "R1" {
		t.Errorf("a = %+v", a)
	}
	if b := got["b"]; b.State != Failed || !b.Started || b.Submitted || b.Reason != "boom" {
		t.Errorf("b = %+v", b)
	}
}

func TestJournalDamage(t *testing.T) {
	header := `{"time":"2026-01-05T10:00:00Z","event":"journal","plan":"plan-1","version":1}` + "\n"
	started := `{"time":"2026-01-05T10:00:01Z","event":"started","step":"a","instance":"a"}` + "\n"
	tests := []struct {
		name      string
		content   string
		wantErr   error
		wantMsg   string
		wantPhase State
	}{
		{name: "torn last line", content: header + started + `{"time":"2026-01-05T10:00:02Z","event":"subm`, wantPhase: Started},
		{name: "torn last line with newline", content: header + started + "{\"time\":\"20\n", wantPhase: Started},
		{name: "torn header", content: `{"time":"2026-01-05T`, wantPhase: ""},
		{name: "damaged middle line", content: header + "garbage\n" + started, wantMsg: "line 2 is damaged"},
		{name: "other plan", content: strings.Replace(header, "plan-1", "plan-2", 1), wantErr: ErrJournalMismatch},
		{name: "not a journal", content: started, wantMsg: "not a journal header"},
		{name: "newer format", content: strings.Replace(header, `"version":1`, `"version":2`, 1) + started, wantMsg: "format version 2; this build reads version 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "p.journal")
			os.WriteFile(path, []byte(tt.content), 0o644)
			j, err := OpenJournal(path, "plan-1")
			if tt.wantErr != nil || tt.wantMsg != "" {
				if err == nil || tt.wantErr != nil && !errors.Is(err, tt.wantErr) || !strings.Contains(err.Error(), tt.wantMsg) {
					t.Fatalf("err = %v, want %v / %q", err, tt.wantErr, tt.wantMsg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := j.Steps()["a"].State; got != tt.wantPhase {
				t.Errorf("phase = %q, want %q", got, tt.wantPhase)
			}
			// the next record lands on its own line and the file reads back cleanly
			if err := j.Append(Record{Event: Succeeded, Step: "a", Instance: "a"}); err != nil {
				t.Fatal(err)
			}
			j.Close()
			got, err := ReadJournal(path, "plan-1")
			if err != nil {
				t.Fatalf("reread after repair: %v", err)
			}
			if got["a"].State != Succeeded {
				t.Errorf("after append: %+v", got["a"])
			}
		})
	}
}

func TestReadMissingJournal(t *testing.T) {
	got, err := ReadJournal(filepath.Join(t.TempDir(), "none.journal"), "p")
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v; want empty, nil", got, err)
	}
}

func TestLockNamesHolder(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.lock")
	l, err := AcquireLock(path)
	if err != nil {
		t.Fatal(err)
	}
	_, err = AcquireLock(path)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid") || !strings.Contains(err.Error(), "host") {
		t.Fatalf("second lock: %v", err)
	}
	if holder, held := LockHolder(path); !held || !strings.Contains(holder, "pid") {
		t.Errorf("LockHolder = %q, %v; want held, naming the pid", holder, held)
	}
	if err := l.Release(); err != nil {
		t.Fatal(err)
	}
	l2, err := AcquireLock(path)
	if err != nil {
		t.Fatalf("after release: %v", err)
	}
	l2.Release()
	if _, held := LockHolder(path); held {
		t.Error("LockHolder says held after release")
	}
}

// Records appended lazily are in the file, in order, once the journal is
// closed, and a synced Append after them covers them.
func TestJournalAppendLazy(t *testing.T) {
	path := filepath.Join(t.TempDir(), "p.journal")
	j, err := OpenJournal(path, "plan-1")
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []Record{
		{Event: Started, Step: "a", Instance: "a"},
		{Event: Upgrading, Step: "a", Instance: "a", TaskID: "T1"},
		{Event: Succeeded, Step: "a", Instance: "a", TaskID: "T1"},
		{Event: Started, Step: "b", Instance: "b"},
		{Event: Upgrading, Step: "b", Instance: "b", TaskID: "T2"},
	} {
		add := j.Append
		if r.Event != Started {
			add = j.AppendLazy
		}
		if err := add(r); err != nil {
			t.Fatal(err)
		}
	}
	if err := j.Close(); err != nil {
		t.Fatal(err)
	}
	got, err := ReadJournal(path, "plan-1")
	if err != nil {
		t.Fatal(err)
	}
	if a := got["a"]; a.State != Succeeded || a.TaskID != "T1" {
		t.Errorf("a = %+v", a)
	}
	if b := got["b"]; b.State != Upgrading || b.TaskID != "T2" {
		t.Errorf("b = %+v", b)
	}
	if err := j.AppendLazy(Record{Event: Started, Step: "c"}); err == nil {
		t.Error("AppendLazy on a closed journal succeeded")
	}
}
