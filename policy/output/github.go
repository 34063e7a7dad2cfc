package output

import (
	"fmt"
	"io"
	"strings"

	"github.com/rdsup/rdsup/policy"
)

// githubRenderer prints GitHub Actions workflow commands: one ::error per
// deny and one ::warning per warn, annotated with the plan file, then a
// ::notice with the summary.
// https://docs.github.com/actions/reference/workflow-commands-for-github-actions
type githubRenderer struct{}

func (githubRenderer) Render(w io.Writer, r *policy.Report) error {
	var b strings.Builder
	file := ""
	if r.PlanFile != "" {
		file = "file=" + escapeProperty(r.PlanFile) + ","
	}
	for _, f := range findings(r) {
		cmd := "error"
		if f.severity == policy.SeverityWarn {
			cmd = "warning"
		}
		title := f.rule + ": " + stepLabel(f.step, f.instance)
		fmt.Fprintf(&b, "::%s %stitle=%s::%s\n", cmd, file, escapeProperty(title), escapeData(f.message))
	}
	fmt.Fprintf(&b, "::notice title=rdsup check::%s\n", escapeData(summary(r)))
	_, err := io.WriteString(w, b.String())
	return err
}

// escapeData escapes a workflow command's message.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a workflow command's property value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(s)
}
