package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/planner"
)

// Environment variables holding the key pair, as the Alibaba SDK reads them.
const (
	envAccessKeyID     = "ALIBABA_CLOUD_ACCESS_KEY_ID"
	envAccessKeySecret = "ALIBABA_CLOUD_ACCESS_KEY_SECRET"
)

type simOptions struct {
	inventory       string
	listen          string
	upgradeDuration time.Duration
	timeScale       float64
	seed            int64
	state           string
	saveInterval    time.Duration
	paths           []string
	verbose         bool
	faults          rdssim.Faults
	drift           []string
	refuse          []string
}

func newSimCmd() *cobra.Command {
	o := &simOptions{}
	cmd := &cobra.Command{
		Use:   "sim -i INVENTORY [--listen 127.0.0.1:PORT]",
		Short: "Serve a local RDS API simulator seeded from an inventory",
		Long: `Sim serves a stand-in for the ApsaraDB RDS OpenAPI (2014-08-15) on loopback,
seeded from an inventory, so rdsup apply can run without a cloud account:

  rdsup sim -i testdata/fleet.yaml --listen 127.0.0.1:8790 --upgrade-duration 2s --time-scale 36000
  rdsup apply plan.json --endpoint http://127.0.0.1:8790 --poll-interval 1s

--time-scale 1 (the default) runs the simulator's clock in real time, so
upgrades that wait for a maintenance window wait for hours: 36000 makes ten
simulated hours pass per second.

It checks the request signature with the key pair from ALIBABA_CLOUD_ACCESS_KEY_ID
and ALIBABA_CLOUD_ACCESS_KEY_SECRET when both are set, and otherwise generates a
pair and prints it. Both schemes the service accepts work, so any Alibaba Cloud
SDK can talk to it: v1 (Signature parameter, HMAC-SHA1, as the classic SDKs
and the aliyun CLI sign) and v3 (ACS3-HMAC-SHA256 Authorization header, as the
current SDKs sign); parameters in the query or a form body, GET or POST;
Format=XML answers in XML. GET /_sim/calls lists every call (action, instance, client
token, outcome), GET /_sim/instances the fleet. Faults are drawn from --seed, so
a failing run can be replayed.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return runSim(cmd.Context(), cmd.OutOrStdout(), cmd.ErrOrStderr(), o)
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.inventory, "inventory", "i", "", "inventory YAML file to seed the fleet (optional when --state exists)")
	f.StringVar(&o.listen, "listen", "127.0.0.1:8790", "address to listen on (port 0 picks a free one)")
	f.DurationVar(&o.upgradeDuration, "upgrade-duration", 0, "how long each upgrade takes on the simulator clock (0: the planner's duration model by role and storage, ±20% seeded noise)")
	f.Float64Var(&o.timeScale, "time-scale", 1, "simulated seconds per real second (60: a 10-minute upgrade takes 10 s)")
	f.Int64Var(&o.seed, "seed", 1, "seed for every random choice (faults, durations)")
	f.StringVar(&o.state, "state", "", "state file: loaded when it exists, saved periodically and on shutdown")
	f.DurationVar(&o.saveInterval, "save-interval", 5*time.Second, "how often to save --state")
	f.StringSliceVar(&o.paths, "upgrade-path", nil, "supported upgrade ENGINE:FROM:TO, repeatable (default MySQL 5.5→5.6→5.7→8.0)")
	f.BoolVarP(&o.verbose, "verbose", "v", false, "log every call to stderr")
	f.Float64Var(&o.faults.ThrottleRate, "throttle-rate", 0, "probability of Throttling.User per call")
	f.Float64Var(&o.faults.ThrottleQPS, "throttle-qps", 0, "refuse calls above this many per second of simulator time with Throttling.User (0: no limit)")
	f.Float64Var(&o.faults.ServerErrorRate, "error-rate", 0, "probability of ServiceUnavailable/InternalError per call")
	f.DurationVar(&o.faults.Latency, "latency", 0, "latency added to every call")
	f.Float64Var(&o.faults.DropResponseRate, "drop-rate", 0, "probability that a call is carried out and its response dropped")
	f.Float64Var(&o.faults.FailUpgradeRate, "fail-rate", 0, "probability that an upgrade task fails (instance back on the old version)")
	f.StringSliceVar(&o.faults.FailUpgrade, "fail", nil, "instance ids whose upgrades fail")
	f.StringSliceVar(&o.drift, "drift", nil, "instances that drift on their own: ID[=STATUS][@AFTER], e.g. rr-1=Restarting@30s")
	f.Float64Var(&o.faults.DriftRate, "drift-rate", 0, "probability per read that an idle instance starts Restarting for 5 minutes")
	f.StringArrayVar(&o.refuse, "refuse", nil, "refuse the upgrade of an instance as the service refuses one that is not eligible: ID=CODE, repeatable; CODE one of "+
		strings.Join(rdssim.RefusalCodes(), ", "))
	_ = cmd.RegisterFlagCompletionFunc("refuse", completeRefuse)
	limitDuration(f, "upgrade-duration", 0, 24*time.Hour)
	limitFloat(f, "time-scale", 0, 1e6, true)
	limitDuration(f, "save-interval", 100*time.Millisecond, 24*time.Hour)
	for _, rate := range []string{"throttle-rate", "error-rate", "drop-rate", "fail-rate", "drift-rate"} {
		limitFloat(f, rate, 0, 1, false)
	}
	limitFloat(f, "throttle-qps", 0, 1e6, false)
	limitDuration(f, "latency", 0, 5*time.Minute)
	_ = cmd.MarkFlagFilename("inventory", "yaml", "yml")
	return cmd
}

func runSim(ctx context.Context, stdout, stderr io.Writer, o *simOptions) error {
	level := slog.LevelInfo
	if o.verbose {
		level = slog.LevelDebug
	}
	log := newLogger(ctx, stderr, level)
	opts, generated, err := simSetup(o, log)
	if err != nil {
		return err
	}
	sim, source, err := loadSim(o, opts)
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", o.listen)
	if err != nil {
		return fmt.Errorf("listen on %s: %w (pick another port with --listen)", o.listen, err)
	}
	if tcp, ok := ln.Addr().(*net.TCPAddr); ok && !tcp.IP.IsLoopback() {
		log.Warn("simulator listens beyond loopback", "addr", ln.Addr().String())
	}
	endpoint := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "rdsup sim: %d instances from %s\n", len(sim.Instances()), source)
	fmt.Fprintf(stdout, "endpoint:          %s\n", endpoint)
	if generated {
		fmt.Fprintf(stdout, "access key id:     %s\n", opts.AccessKeyID)
		fmt.Fprintf(stdout, "access key secret: %s\n", opts.AccessKeySecret)
		fmt.Fprintf(stdout, "export %s=%s %s=%s\n", envAccessKeyID, opts.AccessKeyID, envAccessKeySecret, opts.AccessKeySecret)
	} else {
		fmt.Fprintf(stdout, "key pair:          from %s and %s (not printed)\n", envAccessKeyID, envAccessKeySecret)
	}
	fmt.Fprintf(stdout, "apply with:        rdsup apply PLANFILE --endpoint %s\n", endpoint)
	fmt.Fprintf(stdout, "observe:           curl %s/_sim/instances   curl %s/_sim/calls\n", endpoint, endpoint)

	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelDebug)}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	var tick <-chan time.Time
	if o.state != "" && o.saveInterval > 0 {
		t := time.NewTicker(o.saveInterval)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-tick:
			if err := sim.Save(o.state); err != nil {
				log.Error("save state", "err", err)
			}
		case err := <-errc:
			return fmt.Errorf("serve %s: %w", endpoint, err)
		case <-ctx.Done():
			shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			_ = srv.Shutdown(shut)
			cancel()
			if o.state != "" {
				if err := sim.Save(o.state); err != nil {
					return err
				}
				log.Info("state saved", "file", o.state)
			}
			log.Info("simulator stopped")
			return nil
		}
	}
}

// simSetup turns flags and environment into simulator options; generated
// reports whether the key pair was made up (and must be printed).
func simSetup(o *simOptions, log *slog.Logger) (opts rdssim.Options, generated bool, err error) {
	opts = rdssim.Options{
		AccessKeyID: os.Getenv(envAccessKeyID), AccessKeySecret: os.Getenv(envAccessKeySecret),
		UpgradeDuration: o.upgradeDuration, Seed: o.seed, Faults: o.faults, Logger: log,
	}
	if opts.AccessKeyID == "" || opts.AccessKeySecret == "" {
		opts.AccessKeyID, opts.AccessKeySecret = "LTAIsim"+randHex(8), randHex(15)
		generated = true
	}
	if o.timeScale != 1 {
		if o.timeScale <= 0 {
			return opts, false, fmt.Errorf("--time-scale %v: must be positive", o.timeScale)
		}
		opts.Clock = rdssim.NewScaledClock(o.timeScale)
	}
	if opts.UpgradePaths, err = parseUpgradePaths(o.paths); err != nil {
		return opts, false, err
	}
	for _, d := range o.drift {
		dr, err := parseDrift(d)
		if err != nil {
			return opts, false, err
		}
		opts.Faults.Drift = append(opts.Faults.Drift, dr)
	}
	refuse, err := parseRefuse(o.refuse)
	if err != nil {
		return opts, false, err
	}
	opts.Refuse = refuse
	for _, r := range []struct {
		name string
		v    float64
	}{{"throttle-rate", o.faults.ThrottleRate}, {"error-rate", o.faults.ServerErrorRate},
		{"drop-rate", o.faults.DropResponseRate}, {"fail-rate", o.faults.FailUpgradeRate}, {"drift-rate", o.faults.DriftRate}} {
		if r.v < 0 || r.v > 1 {
			return opts, false, fmt.Errorf("--%s %v: must be between 0 and 1", r.name, r.v)
		}
	}
	return opts, generated, nil
}

// parseDrift parses ID[=STATUS][@AFTER].
func parseDrift(s string) (rdssim.Drift, error) {
	d := rdssim.Drift{Status: "Restarting"}
	rest, after, hasAfter := strings.Cut(s, "@")
	if hasAfter {
		a, err := time.ParseDuration(after)
		if err != nil || a < 0 {
			return d, fmt.Errorf("--drift %q: bad delay %q (want e.g. 30s)", s, after)
		}
		d.After = a
	}
	id, status, hasStatus := strings.Cut(rest, "=")
	if hasStatus {
		d.Status = status
	}
	if id == "" || d.Status == "" {
		return d, fmt.Errorf("--drift %q: want ID[=STATUS][@AFTER]", s)
	}
	d.ID = id
	return d, nil
}

// parseRefuse parses repeated --refuse ID=CODE into Options.Refuse; the
// simulator checks that each ID is in its fleet.
func parseRefuse(list []string) (map[string]string, error) {
	if len(list) == 0 {
		return nil, nil
	}
	out := map[string]string{}
	for _, r := range list {
		id, code, ok := strings.Cut(r, "=")
		id, code = strings.TrimSpace(id), strings.TrimSpace(code)
		if !ok || id == "" || code == "" {
			return nil, fmt.Errorf("--refuse %q: want ID=CODE, e.g. rm-1=InvalidSSLstatus", r)
		}
		if !rdssim.IsRefusalCode(code) {
			return nil, fmt.Errorf("--refuse %q: unknown refusal code %q; known codes: %s", r, code, strings.Join(rdssim.RefusalCodes(), ", "))
		}
		if was, dup := out[id]; dup && was != code {
			return nil, fmt.Errorf("--refuse %q: instance %s already refuses with %s", r, id, was)
		}
		out[id] = code
	}
	return out, nil
}

// loadSim restores the simulator from --state when the file exists, else
// seeds it from the inventory.
func loadSim(o *simOptions, opts rdssim.Options) (*rdssim.Sim, string, error) {
	if o.state != "" {
		sim, err := rdssim.Load(o.state, opts)
		if err == nil {
			return sim, o.state, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return nil, "", err
		}
	}
	if o.inventory == "" {
		return nil, "", errors.New("no fleet: give an inventory with -i INVENTORY (or an existing --state file)")
	}
	inv, err := planner.Load(o.inventory)
	if err != nil {
		return nil, "", err
	}
	sim, err := rdssim.NewChecked(inv.Instances, opts)
	if err != nil {
		return nil, "", fmt.Errorf("seed simulator from %s: %w", o.inventory, err)
	}
	return sim, o.inventory, nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// parseUpgradePaths reads --upgrade-path values (ENGINE:FROM:TO); none
// leaves the simulator's default paths.
func parseUpgradePaths(vals []string) ([]rdssim.UpgradePath, error) {
	var out []rdssim.UpgradePath
	for _, p := range vals {
		parts := strings.Split(p, ":")
		if len(parts) != 3 || parts[0] == "" || parts[1] == "" || parts[2] == "" {
			return nil, fmt.Errorf("--upgrade-path %q: want ENGINE:FROM:TO, e.g. MySQL:5.5:5.6", p)
		}
		out = append(out, rdssim.UpgradePath{Engine: parts[0], From: parts[1], To: parts[2]})
	}
	return out, nil
}
