// Command rdsup plans and runs fleet-wide engine upgrades on ApsaraDB RDS.
package main

import (
	"context"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	root := newRootCmd()
	err := root.ExecuteContext(ctx)
	stop()
	os.Exit(exitCodeAs(runLogFormat(root, os.Args[1:]), os.Stderr, err))
}
