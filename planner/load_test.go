//go:build unix

package planner

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rdsup/rdsup/internal/golden"
)

// TestLoadRefusesWhatIsNotAFile: a directory, FIFO, device or oversized
// file given as the inventory is refused at once, naming what it is.
func TestLoadRefusesWhatIsNotAFile(t *testing.T) {
	dir := t.TempDir()
	small := []byte("instances:\n  - id: rm-a\n")
	tests := []struct {
		name  string
		path  func(t *testing.T) string
		limit int64
		want  string
	}{
		{"directory", func(t *testing.T) string { return dir }, MaxSize, "the inventory is a directory"},
		{"fifo", func(t *testing.T) string {
			p := filepath.Join(dir, "fleet.fifo")
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Skipf("mkfifo: %v", err)
			}
			return p
		}, MaxSize, "the inventory is a named pipe (FIFO)"},
		{"device", func(t *testing.T) string { return os.DevNull }, MaxSize, "the inventory is a device"},
		{"too-large", func(t *testing.T) string {
			p := filepath.Join(dir, "big.yaml")
			if err := os.WriteFile(p, small, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, int64(len(small)) - 1, "inventory larger than 23 bytes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			maxSize = tt.limit
			defer func() { maxSize = MaxSize }()
			path := tt.path(t)
			done := make(chan error, 1)
			go func() { _, err := Load(path); done <- err }()
			var err error
			select {
			case err = <-done:
			case <-time.After(10 * time.Second):
				t.Fatal("Load blocked")
			}
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load(%s) = %v, want an error with %q", tt.name, err, tt.want)
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("error does not wrap ErrInvalid: %v", err)
			}
			msg := strings.ReplaceAll(err.Error(), dir, "DIR")
			golden.Check(t, filepath.Join("..", "testdata", "bad", "load-"+tt.name+".err"), []byte(msg+"\n"))
		})
	}
}

// TestLoadReadsUpToTheLimit: a file of exactly the limit is read.
func TestLoadReadsUpToTheLimit(t *testing.T) {
	data, err := os.ReadFile("../testdata/fleet.yaml")
	if err != nil {
		t.Fatal(err)
	}
	maxSize = int64(len(data))
	defer func() { maxSize = MaxSize }()
	if _, err := Load("../testdata/fleet.yaml"); err != nil {
		t.Fatal(err)
	}
	link := filepath.Join(t.TempDir(), "fleet.yaml")
	abs, _ := filepath.Abs("../testdata/fleet.yaml")
	if err := os.Symlink(abs, link); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(link); err != nil {
		t.Errorf("a symlink to the inventory: %v", err)
	}
}
