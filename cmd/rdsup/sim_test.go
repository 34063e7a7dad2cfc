package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/rdsup/rdsup/executor/rdssim"
)

func TestParseDrift(t *testing.T) {
	tests := []struct {
		in      string
		want    rdssim.Drift
		wantErr bool
	}{
		{"rr-1", rdssim.Drift{ID: "rr-1", Status: "Restarting"}, false},
		{"rr-1=Locked", rdssim.Drift{ID: "rr-1", Status: "Locked"}, false},
		{"rr-1=Locked@30s", rdssim.Drift{ID: "rr-1", Status: "Locked", After: 30 * time.Second}, false},
		{"rr-1@2m", rdssim.Drift{ID: "rr-1", Status: "Restarting", After: 2 * time.Minute}, false},
		{"=Locked", rdssim.Drift{}, true},
		{"rr-1=", rdssim.Drift{}, true},
		{"rr-1@soon", rdssim.Drift{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			got, err := parseDrift(tc.in)
			if (err != nil) != tc.wantErr {
				t.Fatalf("err = %v, wantErr %v", err, tc.wantErr)
			}
			if !tc.wantErr && got != tc.want {
				t.Fatalf("parseDrift(%q) = %+v, want %+v", tc.in, got, tc.want)
			}
		})
	}
}

func TestSimSetupKeys(t *testing.T) {
	t.Setenv(envAccessKeyID, "")
	t.Setenv(envAccessKeySecret, "")
	opts, generated, err := simSetup(&simOptions{timeScale: 1}, nil)
	if err != nil || !generated || !strings.HasPrefix(opts.AccessKeyID, "LTAI") || len(opts.AccessKeySecret) < 20 {
		t.Fatalf("without env: %+v generated=%v err=%v", opts, generated, err)
	}
	t.Setenv(envAccessKeyID, "LTAIfromenv")
	t.Setenv(envAccessKeySecret, "env-secret")
	opts, generated, err = simSetup(&simOptions{timeScale: 1}, nil)
	if err != nil || generated || opts.AccessKeyID != "LTAIfromenv" || opts.AccessKeySecret != "env-secret" {
		t.Fatalf("with env: %+v generated=%v err=%v", opts, generated, err)
	}
}

func TestSimSetupRejectsBadFlags(t *testing.T) {
	tests := []struct {
		name string
		o    simOptions
		want string
	}{
		{"rate above 1", simOptions{timeScale: 1, faults: rdssim.Faults{ThrottleRate: 2}}, "--throttle-rate"},
		{"negative rate", simOptions{timeScale: 1, faults: rdssim.Faults{DropResponseRate: -1}}, "--drop-rate"},
		{"bad path", simOptions{timeScale: 1, paths: []string{"MySQL-5.5-5.6"}}, "--upgrade-path"},
		{"bad scale", simOptions{timeScale: -3}, "--time-scale"},
		{"bad drift", simOptions{timeScale: 1, drift: []string{"x@never"}}, "--drift"},
		{"bad refuse", simOptions{timeScale: 1, refuse: []string{"rm-1=Nope"}}, "--refuse"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, _, err := simSetup(&tc.o, nil)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %s", err, tc.want)
			}
		})
	}
}

// syncBuffer is a bytes.Buffer safe for one writer and one reader.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var endpointLine = regexp.MustCompile(`endpoint:\s+(http://\S+)`)

// serveSim runs `rdsup sim` until stop is called and returns its endpoint.
func serveSim(t *testing.T, o *simOptions) (endpoint string, out *syncBuffer, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	out = &syncBuffer{}
	done := make(chan error, 1)
	go func() { done <- runSim(ctx, out, &syncBuffer{}, o) }()
	deadline := time.Now().Add(5 * time.Second)
	for {
		if m := endpointLine.FindStringSubmatch(out.String()); m != nil {
			endpoint = m[1]
			break
		}
		select {
		case err := <-done:
			cancel()
			t.Fatalf("rdsup sim exited: %v\n%s", err, out)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("rdsup sim printed no endpoint:\n%s", out)
		}
		time.Sleep(5 * time.Millisecond)
	}
	return endpoint, out, func() error { cancel(); return <-done }
}

func TestSimServesAndSavesState(t *testing.T) {
	t.Setenv(envAccessKeyID, "")
	t.Setenv(envAccessKeySecret, "")
	state := filepath.Join(t.TempDir(), "sim.json")
	o := &simOptions{inventory: "../../testdata/fleet.yaml", listen: "127.0.0.1:0", timeScale: 1, seed: 1,
		state: state, upgradeDuration: time.Second}
	endpoint, out, stop := serveSim(t, o)
	for _, want := range []string{"access key id:", "access key secret:", "export ALIBABA_CLOUD_ACCESS_KEY_ID=", "rdsup apply PLANFILE --endpoint " + endpoint} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	resp, err := http.Get(endpoint + "/_sim/instances")
	if err != nil {
		t.Fatal(err)
	}
	var inst []rdssim.InstanceView
	err = json.NewDecoder(resp.Body).Decode(&inst)
	resp.Body.Close()
	if err != nil || len(inst) != 9 {
		t.Fatalf("/_sim/instances: %d instances, %v", len(inst), err)
	}
	if err := stop(); err != nil {
		t.Fatalf("stop: %v", err)
	}
	if _, err := os.Stat(state); err != nil {
		t.Fatalf("state not saved on shutdown: %v", err)
	}
	// Restart from the state alone; the key pair from the environment is
	// not printed.
	t.Setenv(envAccessKeyID, "LTAIfromenv")
	t.Setenv(envAccessKeySecret, "env-secret")
	o.inventory = ""
	_, out, stop = serveSim(t, o)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	if s := out.String(); !strings.Contains(s, "9 instances from "+state) || strings.Contains(s, "env-secret") || strings.Contains(s, "LTAIfromenv") {
		t.Fatalf("restart output:\n%s", s)
	}
}

func TestSimNeedsAFleet(t *testing.T) {
	err := runSim(t.Context(), &bytes.Buffer{}, &bytes.Buffer{}, &simOptions{listen: "127.0.0.1:0", timeScale: 1,
		state: filepath.Join(t.TempDir(), "none.json")})
	if err == nil || !strings.Contains(err.Error(), "-i INVENTORY") {
		t.Fatalf("err = %v", err)
	}
}
