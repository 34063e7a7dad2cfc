package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/rdsup/rdsup/executor"
	"github.com/rdsup/rdsup/executor/rdsapi"
	"github.com/rdsup/rdsup/executor/rdssim"
	"github.com/rdsup/rdsup/plans"
)

// startSimulator serves an rdssim seeded from the plan's inventory snapshot
// on a loopback port, with time accelerated by --time-scale, and returns a
// real SDK client pointed at it with a throwaway key pair.
func startSimulator(p *plans.Plan, o *applyOptions, log *slog.Logger) (executor.Cloud, func(), error) {
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return nil, nil, err
	}
	id, secret := "LTAIsimulate"+hex.EncodeToString(buf[:4]), hex.EncodeToString(buf[4:])
	clock := rdssim.NewScaledClock(o.timeScale)
	paths, err := parseUpgradePaths(o.simPaths)
	if err != nil {
		return nil, nil, err
	}
	sim, err := rdssim.NewChecked(p.Instances, rdssim.Options{
		AccessKeyID: id, AccessKeySecret: secret, Clock: clock, Seed: 1, UpgradePaths: paths,
	})
	if err != nil {
		return nil, nil, fmt.Errorf("start simulator: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, nil, fmt.Errorf("start simulator: %w", err)
	}
	srv := &http.Server{Handler: sim, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	stop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}
	endpoint := "http://" + ln.Addr().String()
	c, err := rdsapi.New(rdsapi.Config{Endpoint: endpoint, Credentials: rdsapi.StaticCredentials(id, secret),
		MaxConns: max(4, o.exec.Concurrency+2)})
	if err != nil {
		stop()
		return nil, nil, err
	}
	o.exec.Clock = clock // the run judges windows and deadlines on the simulator's clock
	log.Info("simulating the RDS API in-process", "endpoint", endpoint, "time_scale", o.timeScale, "simulated_time", clock.Now().Format(time.RFC3339))
	return c, stop, nil
}
