package plans

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"github.com/rdsup/rdsup/internal/atomicfile"
)

// ErrModified is returned when a plan's content no longer matches its id.
var ErrModified = errors.New("plan was modified after it was written")

// ErrFormatVersion is returned for a plan written in another format version.
var ErrFormatVersion = errors.New("unsupported plan format version")

// ClientTokenPrefix starts every step's ClientToken.
const ClientTokenPrefix = "rdsup-"

// ClientToken derives the idempotency token of a step from the plan id and
// the step id: ASCII, 55 characters, stable for the life of the plan.
func ClientToken(planID, stepID string) string {
	sum := sha256.Sum256([]byte(stepID))
	id := planID
	if len(id) > 24 {
		id = id[:24]
	}
	return ClientTokenPrefix + id + "-" + hex.EncodeToString(sum[:])[:24]
}

// Seal normalises the plan (no null lists), computes its id from its
// content (everything but id, createdAt and the derived client tokens), and
// fills every step's ClientToken. Call it after policy findings are set.
func Seal(p *Plan) error {
	p.FormatVersion = FormatVersion
	normalize(p)
	id, err := digest(p)
	if err != nil {
		return err
	}
	p.ID = id
	for i := range p.Steps {
		p.Steps[i].ClientToken = ClientToken(id, p.Steps[i].ID)
	}
	return nil
}

// Verify checks the format version, that the content still matches the id,
// and that every client token is the one derived from the plan and step
// ids (and so one the API accepts).
func Verify(p *Plan) error {
	switch v := p.FormatVersion; {
	case v > 0 && v < FormatVersion:
		return fmt.Errorf("%w: plan format %d was written by an older rdsup (formatVersion %d; this rdsup reads %d): run `rdsup plan` again", ErrFormatVersion, v, v, FormatVersion)
	case v != FormatVersion:
		return fmt.Errorf("%w: the plan has formatVersion %d, this rdsup reads %d; make the plan again with this rdsup (`rdsup plan`)", ErrFormatVersion, v, FormatVersion)
	}
	normalize(p)
	id, err := digest(p)
	if err != nil {
		return err
	}
	if id != p.ID {
		return fmt.Errorf("%w: its content digest is %s but its id says %s; do not edit plan files, make a new plan with `rdsup plan`", ErrModified, short(id), short(p.ID))
	}
	for _, s := range p.Steps {
		if err := checkToken(id, s); err != nil {
			return fmt.Errorf("%w: %v; make a new plan with `rdsup plan`", ErrModified, err)
		}
	}
	return nil
}

func short(id string) string {
	if len(id) > 12 {
		return id[:12]
	}
	return id
}

// digest hashes the compact canonical encoding of p without id, createdAt
// and client tokens.
func digest(p *Plan) (string, error) {
	h := sha256.New()
	e := encoder{digest: true, flush: h, b: make([]byte, 0, 1<<17)}
	if err := e.plan(p); err != nil {
		return "", fmt.Errorf("encode plan: %w", err)
	}
	h.Write(e.b)
	return hex.EncodeToString(h.Sum(nil)), nil
}

// normalize replaces nil slices and maps with empty ones so the encoding
// never contains null lists.
func normalize(p *Plan) {
	if p.Steps == nil {
		p.Steps = []Step{}
	}
	if p.Instances == nil {
		p.Instances = []Instance{}
	}
	if p.Inputs.PolicySet.Files == nil {
		p.Inputs.PolicySet.Files = []PolicyFile{}
	}
	if p.Inputs.PolicySet.Data == nil {
		p.Inputs.PolicySet.Data = []PolicyFile{}
	}
	if sel := p.Inputs.Selection; sel != nil {
		if sel.Only == nil {
			sel.Only = []string{}
		}
		if sel.Exclude == nil {
			sel.Exclude = []string{}
		}
	}
	if p.Summary.Unchanged == nil {
		p.Summary.Unchanged = []string{}
	}
	for i := range p.Steps {
		s := &p.Steps[i]
		if s.DependsOn == nil {
			s.DependsOn = []string{}
		}
		if s.Policy.Deny == nil {
			s.Policy.Deny = []Finding{}
		}
		if s.Policy.Warn == nil {
			s.Policy.Warn = []Finding{}
		}
	}
	for i := range p.Instances {
		if p.Instances[i].Tags == nil {
			p.Instances[i].Tags = map[string]string{}
		}
	}
}

// Encode returns the canonical JSON of a plan: struct field order, sorted
// map keys, two-space indent, trailing newline.
func Encode(p *Plan) ([]byte, error) {
	normalize(p)
	e := encoder{pretty: true, b: make([]byte, 0, sizeHint(p))}
	if err := e.plan(p); err != nil {
		return nil, fmt.Errorf("encode plan: %w", err)
	}
	return append(e.b, '\n'), nil
}

// Decode parses and verifies a plan: strict JSON in the plan's shape
// (checkStrict), the format version, the content digest, and the
// structure (Validate). name is used in error messages.
func Decode(name string, data []byte) (*Plan, error) {
	var p Plan
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&p); err != nil {
		var head struct {
			FormatVersion *int `json:"formatVersion"`
		}
		switch herr := json.Unmarshal(data, &head); {
		case herr != nil:
			return nil, fmt.Errorf("read plan %s: not a plan file (%v); give the file `rdsup plan -o` wrote", name, herr)
		case head.FormatVersion == nil:
			return nil, fmt.Errorf("read plan %s: no formatVersion; give the file `rdsup plan -o` wrote", name)
		case *head.FormatVersion != FormatVersion:
			p = Plan{FormatVersion: *head.FormatVersion} // Verify names both versions
		default:
			if serr := checkStrict(data); serr != nil {
				err = serr
			}
			return nil, fmt.Errorf("read plan %s: %w: %v; give the file `rdsup plan -o` wrote", name, ErrModified, err)
		}
	} else if p.FormatVersion == 0 && !bytes.Contains(data, []byte(`"formatVersion"`)) {
		return nil, fmt.Errorf("read plan %s: no formatVersion; give the file `rdsup plan -o` wrote", name)
	} else if p.FormatVersion == FormatVersion {
		if err := checkStrict(data); err != nil {
			return nil, fmt.Errorf("read plan %s: %w: %v; give the file `rdsup plan -o` wrote", name, ErrModified, err)
		}
	}
	if err := Verify(&p); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", name, err)
	}
	if err := Validate(&p); err != nil {
		return nil, fmt.Errorf("read plan %s: %w", name, err)
	}
	return &p, nil
}

// Load reads and verifies the plan file at path.
func Load(path string) (*Plan, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read plan: %w", err)
	}
	return Decode(path, data)
}

// Write encodes the plan and writes it to path atomically.
func Write(path string, p *Plan) error {
	b, err := Encode(p)
	if err != nil {
		return err
	}
	if err := WriteFileAtomic(path, b, 0o644); err != nil {
		return fmt.Errorf("write plan: %w", err)
	}
	return nil
}

// WriteFileAtomic writes data atomically (see internal/atomicfile).
func WriteFileAtomic(path string, data []byte, perm os.FileMode) error {
	return atomicfile.Write(path, data, perm)
}

// sizeHint estimates the encoded size of p, so the buffer grows rarely.
func sizeHint(p *Plan) int { return 4096 + 1100*len(p.Steps) + 450*len(p.Instances) }
