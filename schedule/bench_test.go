package schedule_test

import (
	"bytes"
	"strconv"
	"testing"

	"github.com/rdsup/rdsup/planner/fleetgen"
	"github.com/rdsup/rdsup/schedule"
)

// BenchmarkRun previews generated fleets with the production window rule
// (Immediate) or the instances' windows (MaintainTime). Run with:
// go test -run '^$' -bench Run -benchtime 3x ./schedule/
func BenchmarkRun(b *testing.B) {
	for _, n := range []int{1000, 100000} {
		for _, eff := range []string{"MaintainTime", "Immediate"} {
			b.Run(eff+"/n="+strconv.Itoa(n), func(b *testing.B) {
				y := bytes.ReplaceAll(fleetgen.YAML(n, 1), []byte("effectiveTime: MaintainTime"), []byte("effectiveTime: "+eff))
				p := planOf(b, string(y))
				b.ResetTimer()
				for range b.N {
					if _, err := schedule.Run(p, schedule.Options{From: t0, Concurrency: 50, Window: prodWindow}); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
