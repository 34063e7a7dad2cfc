package output

import (
	"bufio"
	"fmt"
	"io"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
	"github.com/rdsup/rdsup/policy"
)

// messageWidth is where the message column wraps.
const messageWidth = 72

// tableRenderer prints one row per finding, then the summary line. A clean
// plan prints only the summary.
type tableRenderer struct{}

func (tableRenderer) Render(w io.Writer, r *policy.Report) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "plan %s  policy set %s  at %s\n", short(r.PlanID), short(r.PolicyDigest), orNone(r.At))
	fs := findings(r)
	if len(fs) > 0 {
		t := tablewriter.NewTable(bw,
			tablewriter.WithHeaderAutoFormat(tw.Off),
			tablewriter.WithHeaderAlignment(tw.AlignLeft),
			tablewriter.WithRowAutoWrap(tw.WrapNormal),
			tablewriter.WithColumnWidths(tw.NewMapper[int, int]().Set(3, messageWidth)),
		)
		t.Header("STEP", "SEVERITY", "RULE", "MESSAGE")
		for _, f := range fs {
			if err := t.Append(stepLabel(f.step, f.instance), string(f.severity), f.rule, f.message); err != nil {
				return fmt.Errorf("render table: %w", err)
			}
		}
		if err := t.Render(); err != nil {
			return fmt.Errorf("render table: %w", err)
		}
	}
	fmt.Fprintln(bw, summary(r))
	return bw.Flush()
}

func short(id string) string {
	if id == "" {
		return "none"
	}
	prefix := ""
	if strings.HasPrefix(id, "sha256:") {
		prefix, id = "sha256:", id[len("sha256:"):]
	}
	if len(id) > 12 {
		id = id[:12]
	}
	return prefix + id
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
