package main

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/executor/rdssim/rdssimtest"
)

// TestApplySecondSignalChild is the apply process TestApplySecondSignal
// starts and signals; on its own it does nothing.
func TestApplySecondSignalChild(t *testing.T) {
	if os.Getenv("RDSUP_SIGNAL_CHILD") != "1" {
		t.Skip("the child process of TestApplySecondSignal")
	}
	os.Args = []string{"rdsup", "apply", os.Getenv("RDSUP_SIGNAL_PLAN"), "--endpoint", os.Getenv("RDSUP_SIGNAL_ENDPOINT"),
		"--yes", "--poll-interval", "5ms", "--concurrency", "1"}
	main() // exits
}

// The first SIGINT lets apply finish what is in flight — here an upgrade
// call the API does not answer — and the second one exits at once with
// exit code 3, leaving a journal the next apply resumes from.
func TestApplySecondSignal(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a child process")
	}
	path, p := planFile(t, exampleFleet)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_ID", rdssimtest.AccessKeyID)
	t.Setenv("ALIBABA_CLOUD_ACCESS_KEY_SECRET", rdssimtest.AccessKeySecret)
	sim := rdssim.New(p.Instances, rdssim.Options{AccessKeyID: rdssimtest.AccessKeyID,
		AccessKeySecret: rdssimtest.AccessKeySecret, UpgradeDuration: 30 * time.Millisecond})
	var hang atomic.Bool // upgrade calls get no answer while set
	hang.Store(true)
	upgrading := make(chan struct{})
	var once sync.Once
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		if hang.Load() && strings.Contains(r.URL.RawQuery+"&"+string(body), "Action=UpgradeDBInstanceEngineVersion") {
			once.Do(func() { close(upgrading) })
			<-r.Context().Done()
			return
		}
		sim.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)

	cmd := exec.Command(os.Args[0], "-test.run=^TestApplySecondSignalChild$")
	cmd.Env = append(os.Environ(), "RDSUP_SIGNAL_CHILD=1", "RDSUP_SIGNAL_PLAN="+path, "RDSUP_SIGNAL_ENDPOINT="+srv.URL)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	t.Cleanup(func() { _ = cmd.Process.Kill() })

	select {
	case <-upgrading:
	case err := <-done:
		t.Fatalf("child ended before its first upgrade call: %v\n%s", err, stderr.String())
	case <-time.After(20 * time.Second):
		t.Fatalf("no upgrade call from the child\n%s", stderr.String())
	}
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-done:
		t.Fatalf("child exited on the first signal with an upgrade call in flight: %v\n%s", err, stderr.String())
	case <-time.After(300 * time.Millisecond): // still finishing the call in flight
	}
	sent := time.Now()
	if err := cmd.Process.Signal(syscall.SIGINT); err != nil {
		t.Fatal(err)
	}
	var err error
	select {
	case err = <-done:
	case <-time.After(5 * time.Second):
		t.Fatalf("child still running 5s after the second signal\n%s", stderr.String())
	}
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != exitPending {
		t.Fatalf("child exit = %v, want exit code %d\n%s", err, exitPending, stderr.String())
	}
	if d := time.Since(sent); d > 2*time.Second {
		t.Errorf("child took %s to exit after the second signal", d)
	}
	if !strings.Contains(stderr.String(), "second signal") {
		t.Errorf("stderr does not explain the exit:\n%s", stderr.String())
	}
	recs, err := executor.ReadJournal(executor.JournalPath(path), p.ID)
	if err != nil {
		t.Fatalf("journal after the second signal: %v", err)
	}
	started := 0
	for _, r := range recs {
		if r.Started {
			started++
		}
	}
	if started == 0 {
		t.Errorf("journal records no started step: %+v", recs)
	}

	// the next apply resumes and upgrades every instance exactly once
	hang.Store(false)
	out, errOut, code := runCLI(t, "apply", path, "--endpoint", srv.URL, "--yes", "--poll-interval", "5ms")
	if code != exitOK {
		t.Fatalf("resume: exit %d\n%s\n%s", code, out, errOut)
	}
	applied := map[string]int{}
	for _, c := range sim.Calls() {
		if c.Action == "UpgradeDBInstanceEngineVersion" && c.Outcome == "applied" {
			applied[c.InstanceID]++
		}
	}
	for _, in := range p.Instances {
		if applied[in.ID] != 1 {
			t.Errorf("%s applied %d times, want 1", in.ID, applied[in.ID])
		}
	}
}

// The second signal runs the cleanup (--simulate's temporary directory)
// before it exits.
func TestSecondSignalCleansUp(t *testing.T) {
	codes := make(chan int, 1)
	exitNow = func(code int) { codes <- code }
	t.Cleanup(func() { exitNow = os.Exit })
	dir := t.TempDir()
	tmp, err := os.MkdirTemp(dir, "rdsup-simulate-")
	if err != nil {
		t.Fatal(err)
	}
	var cleaned atomic.Bool
	var stderr syncBuffer
	stop := exitOnSecondSignal(t.Context(), &stderr, func() { cleaned.Store(os.RemoveAll(tmp) == nil) })
	defer stop()
	deadline := time.After(5 * time.Second)
	for {
		if err := syscall.Kill(os.Getpid(), syscall.SIGINT); err != nil {
			t.Fatal(err)
		}
		select {
		case code := <-codes:
			if code != exitPending {
				t.Errorf("exit code %d, want %d", code, exitPending)
			}
			if !cleaned.Load() {
				t.Error("exited without cleaning up")
			}
			if _, err := os.Stat(tmp); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("temporary directory left behind: %v", err)
			}
			if !strings.Contains(stderr.String(), "second signal") {
				t.Errorf("stderr: %q", stderr.String())
			}
			return
		case <-time.After(20 * time.Millisecond):
		case <-deadline:
			t.Fatal("no exit after repeated signals")
		}
	}
}
