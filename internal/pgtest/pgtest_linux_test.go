package pgtest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// TestServerDiesWithTestBinary: a test binary killed with SIGKILL (no
// cleanup runs) takes its server with it.
func TestServerDiesWithTestBinary(t *testing.T) {
	if BinDir() == "" && os.Getenv(RequireEnv) == "" {
		t.Skip("PostgreSQL is not installed")
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), "PGTEST_CHILD=1")
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	var pid int
	var dir string
	if _, err := fmt.Fscan(out, &pid, &dir); err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		t.Fatalf("child: %v\n%s", err, stderr.String())
	}
	defer os.RemoveAll(dir)
	if err := syscall.Kill(pid, 0); err != nil {
		t.Fatalf("server %d not running: %v", pid, err)
	}
	cmd.Process.Kill()
	cmd.Wait()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		if err := syscall.Kill(pid, 0); errors.Is(err, syscall.ESRCH) {
			return
		}
		if time.Now().After(deadline) {
			syscall.Kill(pid, syscall.SIGKILL)
			t.Fatalf("server %d outlived its test binary by 30s", pid)
		}
	}
}

func TestServerRunsAsNonRoot(t *testing.T) {
	ctx := t.Context()
	c, err := pgx.Connect(ctx, DB(t))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	var dir string
	if err := c.QueryRow(ctx, "SHOW data_directory").Scan(&dir); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if uid := statUID(fi); uid == 0 {
		t.Errorf("the data directory %s belongs to root; the server must not run as root", dir)
	}
}

func statUID(fi os.FileInfo) uint32 {
	if st, ok := fi.Sys().(*syscall.Stat_t); ok {
		return st.Uid
	}
	return 1
}
