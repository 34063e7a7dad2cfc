//go:build unix

package executor_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	. "github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/plans"
)

func TestLockAndJournalNeverFollowSymlinks(t *testing.T) {
	const precious = "precious content\n"
	tests := []struct {
		name  string
		path  func(plan string) string // where the link is planted
		plant func(t *testing.T, at, target string)
		kind  string
	}{
		{"lock is a symlink", LockPath, symlinkTo, "symbolic link"},
		{"journal is a symlink", JournalPath, symlinkTo, "symbolic link"},
		{"lock is a dangling symlink", LockPath, danglingSymlink, "symbolic link"},
		{"journal is a dangling symlink", JournalPath, danglingSymlink, "symbolic link"},
		{"journal is a directory", JournalPath, func(t *testing.T, at, _ string) { mkdir(t, at) }, "directory"},
		{"lock is a fifo", LockPath, func(t *testing.T, at, _ string) {
			if err := syscall.Mkfifo(at, 0o600); err != nil {
				t.Skip(err)
			}
		}, "not a regular file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			plan := writePlan(t, examplePlan(t))
			target := filepath.Join(t.TempDir(), "target")
			if err := os.WriteFile(target, []byte(precious), 0o600); err != nil {
				t.Fatal(err)
			}
			at := tt.path(plan)
			tt.plant(t, at, target)
			s, err := Open(plan, "")
			if err == nil {
				s.Close()
				t.Fatal("apply opened the plan")
			}
			if !errors.Is(err, ErrNotRegular) || !strings.Contains(err.Error(), at) || !strings.Contains(err.Error(), tt.kind) ||
				!strings.Contains(err.Error(), "remove it") {
				t.Errorf("err = %v, want ErrNotRegular naming %s (%s) and what to do", err, at, tt.kind)
			}
			if b, err := os.ReadFile(target); err != nil || string(b) != precious {
				t.Errorf("the link's target was touched: %q, %v", b, err)
			}
			if _, err := os.Stat(target + "-missing"); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("a dangling link's target was created")
			}
		})
	}
}

func TestReadersNeverFollowSymlinks(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.WriteFile(target, []byte("rdsup apply pid 1 on host x\n"), 0o600)
	link := filepath.Join(dir, "plan.json.journal")
	symlinkTo(t, link, target)
	if _, err := ReadJournal(link, "p"); !errors.Is(err, ErrNotRegular) {
		t.Errorf("ReadJournal through a link: %v, want ErrNotRegular", err)
	}
	lock := filepath.Join(dir, "plan.json.lock")
	symlinkTo(t, lock, target)
	if _, held := LockHolder(lock); held {
		t.Error("LockHolder followed a link")
	}
}

func TestFilesHonourTheUmask(t *testing.T) {
	for _, tt := range []struct {
		umask int
		want  os.FileMode
	}{{0o077, 0o600}, {0o022, 0o644}, {0o002, 0o644}} {
		old := syscall.Umask(tt.umask)
		plan := filepath.Join(t.TempDir(), "plan.json")
		err := plans.Write(plan, examplePlan(t))
		var s *Session
		if err == nil {
			s, err = Open(plan, "")
		}
		syscall.Umask(old)
		if err != nil {
			t.Fatal(err)
		}
		s.Close()
		for _, f := range []string{plan, LockPath(plan), JournalPath(plan)} {
			fi, err := os.Stat(f)
			if err != nil {
				t.Fatal(err)
			}
			if got := fi.Mode().Perm(); got != tt.want {
				t.Errorf("umask %03o: %s has mode %03o, want %03o", tt.umask, filepath.Base(f), got, tt.want)
			}
		}
	}
}

func symlinkTo(t *testing.T, at, target string) {
	t.Helper()
	if err := os.Symlink(target, at); err != nil {
		t.Fatal(err)
	}
}

func danglingSymlink(t *testing.T, at, target string) { symlinkTo(t, at, target+"-missing") }

func mkdir(t *testing.T, at string) {
	t.Helper()
	if err := os.Mkdir(at, 0o700); err != nil {
		t.Fatal(err)
	}
}
