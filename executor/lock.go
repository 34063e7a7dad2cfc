package executor

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
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
	f    *os.File // the lock file, for the holder's note
	path string
}

// LockPath is where the lock of the plan file at planPath lives.
func LockPath(planPath string) string { return planPath + ".lock" }

// AcquireLock takes the lock at path without waiting. When another process
// holds it, the error names that process (pid, host, start time). The
// lock file is never opened through a symbolic link (ErrNotRegular), and
// is created 0644 as the umask allows.
func AcquireLock(path string) (*Lock, error) {
	if err := checkRegular("lock", path); err != nil {
		return nil, err
	}
	fl := flock.New(path, flock.SetFlag(os.O_CREATE|os.O_RDWR|oNoFollow), flock.SetPermissions(filePerm))
	ok, err := fl.TryLock()
	if err != nil {
		if isLinkLoop(err) {
			return nil, notRegular("lock", path, fs.ModeSymlink)
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if !ok {
		holder := "another process"
		if f, err := openRegular("lock", path, os.O_RDONLY, 0); err == nil {
			b, _ := io.ReadAll(io.LimitReader(f, 4096))
			f.Close()
			if h := strings.TrimSpace(string(b)); h != "" {
				holder = h
			}
		}
		return nil, fmt.Errorf("%w: %s holds %s; wait for it to finish (or stop it — its journal lets the next apply resume)", ErrLocked, holder, path)
	}
	// write who holds it, into the very file locked (never a link swapped in since)
	f, err := openRegular("lock", path, os.O_WRONLY, filePerm)
	if err == nil {
		err = sameFile(fl, f)
	}
	if err != nil {
		if f != nil {
			f.Close()
		}
		fl.Unlock()
		return nil, err
	}
	host, _ := os.Hostname()
	info := fmt.Sprintf("rdsup apply pid %d on host %s since %s\n", os.Getpid(), host, time.Now().UTC().Format(time.RFC3339))
	if err := rewrite(f, info); err != nil {
		f.Close()
		fl.Unlock()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{fl: fl, f: f, path: path}, nil
}

// filePerm is the mode lock and journal files are created with, before
// the umask.
const filePerm = 0o644

func sameFile(fl *flock.Flock, f *os.File) error {
	a, err := fl.Stat()
	if err != nil {
		return fmt.Errorf("lock %s: %w", fl.Path(), err)
	}
	b, err := f.Stat()
	if err != nil {
		return fmt.Errorf("lock %s: %w", fl.Path(), err)
	}
	if !os.SameFile(a, b) {
		return fmt.Errorf("lock %s was replaced while being taken; run apply again", fl.Path())
	}
	return nil
}

// rewrite replaces the content of f with s.
func rewrite(f *os.File, s string) error {
	if err := f.Truncate(0); err != nil {
		return err
	}
	_, err := f.WriteAt([]byte(s), 0)
	return err
}

// Release drops the lock.
func (l *Lock) Release() error {
	if l == nil || l.fl == nil {
		return nil
	}
	if l.f != nil {
		_ = l.f.Truncate(0)
		l.f.Close()
		l.f = nil
	}
	err := l.fl.Unlock()
	l.fl = nil
	return err
}

// LockHolder reports whether the lock at path is held by a running apply,
// and by whom, without taking it or creating the file.
func LockHolder(path string) (string, bool) {
	if fi, err := os.Lstat(path); err != nil || !fi.Mode().IsRegular() {
		return "", false
	}
	fl := flock.New(path, flock.SetFlag(os.O_RDONLY|oNoFollow))
	ok, err := fl.TryRLock()
	if err != nil {
		return "", false
	}
	if ok {
		fl.Unlock()
		return "", false
	}
	var b []byte
	if f, err := openRegular("lock", path, os.O_RDONLY, 0); err == nil {
		b, _ = io.ReadAll(io.LimitReader(f, 4096))
		f.Close()
	}
	holder := strings.TrimSpace(string(b))
	if holder == "" {
		holder = "another process"
	}
	return holder, true
}
