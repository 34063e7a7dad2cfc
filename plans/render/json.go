package render

import (
	"io"

	"github.com/rdsup/rdsup/plans"
)

// jsonRenderer writes the plan's canonical encoding (plans.Encode): the same
// bytes as the plan file, so tools can read either.
type jsonRenderer struct{}

func (jsonRenderer) Render(w io.Writer, p *plans.Plan, _ Options) error {
	b, err := plans.Encode(p)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}
