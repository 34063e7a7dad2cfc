package main

import (
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

func TestNumericFlagsOutOfRange(t *testing.T) {
	bad := func(cmd, flag, value, want string) cliCase {
		return cliCase{name: cmd + " --" + flag + " " + value, args: []string{cmd, "--" + flag, value}, code: exitError,
			stderr: []string{"--" + flag + " ", want}}
	}
	tests := []cliCase{
		bad("apply", "concurrency", "0", "must be from 1 to 1000"),
		bad("apply", "concurrency", "-3", "must be from 1 to 1000"),
		bad("apply", "concurrency", "1001", "must be from 1 to 1000"),
		bad("apply", "qps", "-1", "must be more than 0 and at most 10000"),
		bad("apply", "qps", "0", "must be more than 0"),
		bad("apply", "qps", "NaN", "must be more than 0"),
		bad("apply", "qps", "+Inf", "at most 10000"),
		bad("apply", "poll-interval", "0", "must be from 1ms to 1h"),
		bad("apply", "poll-interval", "-1s", "must be from 1ms to 1h"),
		bad("apply", "step-timeout", "0", "must be from 1s to 720h"),
		bad("apply", "step-timeout", "-5m", "must be from 1s to 720h"),
		bad("apply", "time-scale", "0", "must be more than 0 and at most 1000000"),
		bad("apply", "time-scale", "-7200", "must be more than 0"),
		bad("apply", "sim-speed", "0", "must be more than 0 and at most 1000000"), // the deprecated alias, named as given
		bad("sim", "time-scale", "0", "must be more than 0"),
		bad("sim", "upgrade-duration", "-1s", "must be from 0s to 24h"),
		bad("sim", "save-interval", "0", "must be from 100ms to 24h"),
		bad("sim", "latency", "-1ms", "must be from 0s to 5m"),
		bad("sim", "throttle-qps", "-1", "must be from 0 to 1000000"),
		bad("sim", "throttle-rate", "-0.1", "must be from 0 to 1"),
		bad("sim", "error-rate", "1.5", "must be from 0 to 1"),
		bad("sim", "drop-rate", "2", "must be from 0 to 1"),
		bad("sim", "fail-rate", "-1", "must be from 0 to 1"),
		bad("sim", "drift-rate", "NaN", "must be from 0 to 1"),
		{name: "every bad flag is reported", args: []string{"apply", "--concurrency", "0", "--qps", "-1"}, code: exitError,
			stderr: []string{"--concurrency 0", "--qps -1"}},
		// the bounds themselves are allowed: apply then fails for want of a plan
		{name: "bounds are allowed", args: []string{"apply", "--concurrency", "1000", "--qps", "10000", "--poll-interval", "1ms",
			"--step-timeout", "720h", "--time-scale", "1000000"}, code: exitError, stderr: []string{"give either a PLANFILE"}},
		{name: "lower bounds are allowed", args: []string{"apply", "--concurrency", "1", "--qps", "0.001", "--poll-interval", "1h",
			"--step-timeout", "1s"}, code: exitError, stderr: []string{"give either a PLANFILE"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, stderr := tt.check(t)
			if strings.Contains(tt.name, "allowed") && strings.Contains(stderr, "must be") {
				t.Errorf("a value within bounds was refused:\n%s", stderr)
			}
		})
	}
}

// TestEveryNumericFlagHasALimit keeps new numeric flags from being
// silently unbounded: declare a range with limitInt, limitFloat or
// limitDuration next to the flag.
func TestEveryNumericFlagHasALimit(t *testing.T) {
	unbounded := map[string]bool{"sim --seed": true} // any int64 is a seed
	var walk func(c *cobra.Command)
	walk = func(c *cobra.Command) {
		c.Flags().VisitAll(func(fl *pflag.Flag) {
			switch fl.Value.Type() {
			case "int", "int8", "int16", "int32", "int64", "uint", "uint8", "uint16", "uint32", "uint64", "float32", "float64", "duration":
			default:
				return
			}
			name := c.Name() + " --" + fl.Name
			if _, alias := fl.Annotations[aliasAnnotation]; alias {
				return // shares the value, and the range, of the flag it spells
			}
			if _, ok := fl.Annotations[limitAnnotation]; !ok && !unbounded[name] {
				t.Errorf("%s (%s) declares no allowed range", name, fl.Value.Type())
			}
		})
		for _, sub := range c.Commands() {
			walk(sub)
		}
	}
	walk(newRootCmd())
}
