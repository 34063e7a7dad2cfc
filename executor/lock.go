package executor

import (
	"errors"
	"fmt"
	"os"
	"strings"
	"time"

	"github.com/gofrs/flock"
)

// ErrLocked is returned when another process applies the same plan.
var ErrLocked = errors.New("plan is locked by another apply")

// Lock is an exclusive advisory lock on a plan (gofrs/flock). The operating
// system drops it when the holder dies, so a crashed apply never leaves a
// stale lock behind.
type Lock struct {
	fl   *flock.Flock
	path string
}

// LockPath is where the lock of the plan file at planPath lives.
func LockPath(planPath string) string { return planPath + ".lock" }

// AcquireLock takes the lock at path without waiting. When another process
// holds it, the error names that process (pid, host, start time).
func AcquireLock(path string) (*Lock, error) {
	fl := flock.New(path)
	ok, err := fl.TryLock()
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		holder := "another process"
		if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
			holder = strings.TrimSpace(string(b))
		}
		return nil, fmt.Errorf("%w: %s holds %s; wait for it to finish (or stop it — its journal lets the next apply resume)", ErrLocked, holder, path)
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("rdsup apply pid %d on host %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := os.WriteFile(path, []byte(info), 0o644); err != nil {
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{fl: fl, path: path}, nil
}

// Release drops the lock.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	_ = os.WriteFile(l.path, nil, 0o644)
	err := l.fl.Unlock()
	l.fl = nil
	return err
}

// LockHolder reports whether the lock at path is held by a running apply,
// and by whom, without taking it or creating the file.
func LockHolder(path string) (string, bool) {
	if _, err := os.Stat(path); err != nil {
		return "", false
	}
	fl := flock.New(path, flock.SetFlag(os.O_RDONLY))
	ok, err := fl.TryRLock()
	if err != nil {
		return "", false
	}
	if ok {
		fl.Unlock()
		return "", false
	}
	b, _ := os.ReadFile(path)
	holder := strings.TrimSpace(string(b))
	if holder == "" {
		holder = "another process"
	}
	return holder, true
}
