package main

import (
	"errors"
	"fmt"
	"github.com/rdsup/rdsup/plans"
	"math"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// Numeric flags declare their allowed range where they are defined
// (limitInt, limitFloat, limitDuration); checkLimits, run before every
// command, refuses a value out of range naming the flag and the range.
// Nothing is silently replaced by a default.

const limitAnnotation = "rdsup-limit"

func limitInt(f *pflag.FlagSet, name string, lo, hi int) {
	mustAnnotate(f, name, "int", strconv.Itoa(lo), strconv.Itoa(hi), "")
}

// limitFloat allows lo..hi; with aboveLo, lo itself is excluded.
func limitFloat(f *pflag.FlagSet, name string, lo, hi float64, aboveLo bool) {
	open := ""
	if aboveLo {
		open = "open"
	}
	mustAnnotate(f, name, "float", fmtFloat(lo), fmtFloat(hi), open)
}

func limitDuration(f *pflag.FlagSet, name string, lo, hi time.Duration) {
	mustAnnotate(f, name, "duration", lo.String(), hi.String(), "")
}

func mustAnnotate(f *pflag.FlagSet, name string, v ...string) {
	if err := f.SetAnnotation(name, limitAnnotation, v); err != nil {
		panic(err) // a flag name typo: a programming error
	}
}

// checkLimits checks every flag of cmd that declares a range, naming it
// as given (a deprecated alias shares its flag's value and range).
func checkLimits(cmd *cobra.Command) error {
	typed := map[string]string{}
	cmd.Flags().Visit(func(fl *pflag.Flag) {
		if a, ok := fl.Annotations[aliasAnnotation]; ok {
			typed[a[0]] = fl.Name
		}
	})
	var errs []error
	cmd.Flags().VisitAll(func(fl *pflag.Flag) {
		if a, ok := fl.Annotations[limitAnnotation]; ok {
			name := fl.Name
			if alias, ok := typed[name]; ok {
				name = alias
			}
			if err := checkLimit(fl, name, a); err != nil {
				errs = append(errs, err)
			}
		}
	})
	return errors.Join(errs...)
}

func checkLimit(fl *pflag.Flag, name string, a []string) error {
	kind, lo, hi, open := a[0], a[1], a[2], a[3] == "open"
	val := fl.Value.String()
	var ok bool
	var rng string
	switch kind {
	case "int":
		v, _ := strconv.Atoi(val)
		l, _ := strconv.Atoi(lo)
		h, _ := strconv.Atoi(hi)
		ok, rng = v >= l && v <= h, fmt.Sprintf("from %s to %s", lo, hi)
	case "float":
		v, err := strconv.ParseFloat(val, 64)
		l, _ := strconv.ParseFloat(lo, 64)
		h, _ := strconv.ParseFloat(hi, 64)
		ok = err == nil && !math.IsNaN(v) && v <= h && (v > l || !open && v == l)
		rng = fmt.Sprintf("from %s to %s", lo, hi)
		if open {
			rng = fmt.Sprintf("more than %s and at most %s", lo, hi)
		}
	case "duration":
		v, err := time.ParseDuration(val)
		l, _ := time.ParseDuration(lo)
		h, _ := time.ParseDuration(hi)
		ok, rng = err == nil && v >= l && v <= h, fmt.Sprintf("from %s to %s", fmtDuration(l), fmtDuration(h))
		val = fmtDuration(v)
	}
	if ok {
		return nil
	}
	return fmt.Errorf("--%s %s: must be %s", name, val, rng)
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }

// fmtDuration writes 24h0m0s as 24h and 1m0s as 1m, as plans spell
// durations.
func fmtDuration(d time.Duration) string {
	if d == 0 {
		return "0s"
	}
	return plans.FormatSoak(d)
}
