package rdssim

import (
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
)

// refusal is how the service refuses UpgradeDBInstanceEngineVersion for
// an instance that is not eligible as it is (HTTP status and code as the
// API reference lists them).
type refusal struct {
	status  int
	message string // fmt format taking the instance id
}

// codeLocked refuses a locked instance; DescribeDBInstanceAttribute shows
// such an instance with a LockMode other than Unlock.
const codeLocked = "IncorrectDBInstanceLockMode"

// refusals are the refusals Options.Refuse can inject, by code.
var refusals = map[string]refusal{
	"InvalidSSLstatus":          {http.StatusBadRequest, "Instance %s has SSL enabled; this operation is not supported."},
	"InvalidTDEstatus":          {http.StatusBadRequest, "Instance %s has TDE enabled; this operation is not supported."},
	"IncorrectEngineTypeMyisam": {http.StatusForbidden, "Instance %s has MyISAM tables; this operation is not supported."},
	"UnsupportedFtsIndex":       {http.StatusForbidden, "Instance %s has full-text indexes in the system tablespace; delete and rebuild them before upgrading."},
	"InvalidAccountName.Format": {http.StatusForbidden, "Instance %s has the account aliyun_root; this operation is not supported."},
	codeLocked:                  {http.StatusForbidden, "The lock mode of instance %s does not support this operation."},
}

// RefusalCodes are the codes Options.Refuse accepts, sorted.
func RefusalCodes() []string { return slices.Sorted(maps.Keys(refusals)) }

// IsRefusalCode reports whether code is one of RefusalCodes (exact case).
func IsRefusalCode(code string) bool {
	_, ok := refusals[code]
	return ok
}

// checkRefusals verifies that every instance of Options.Refuse exists and
// every code is known.
func (s *Sim) checkRefusals() error {
	var errs []error
	for _, id := range slices.Sorted(maps.Keys(s.opts.Refuse)) {
		code := s.opts.Refuse[id]
		if _, ok := s.inst[id]; !ok {
			errs = append(errs, fmt.Errorf("refuse %s=%s: no instance %s in the fleet (check the id against the inventory)", id, code, id))
		}
		if !IsRefusalCode(code) {
			errs = append(errs, fmt.Errorf("refuse %s=%s: unknown refusal code %q (known: %s)", id, code, code, strings.Join(RefusalCodes(), ", ")))
		}
	}
	return errors.Join(errs...)
}

// refusalFor is the injected refusal of instance id, or nil.
func (s *Sim) refusalFor(id string) *apiError {
	code, ok := s.opts.Refuse[id]
	if !ok {
		return nil
	}
	r := refusals[code]
	return errf(r.status, code, r.message, id)
}

// SetRefusals replaces Options.Refuse (nil: refuse nothing), validated
// like New validates it; on error nothing changes.
func (s *Sim) SetRefusals(refuse map[string]string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	old := s.opts.Refuse
	s.opts.Refuse = maps.Clone(refuse)
	if err := s.checkRefusals(); err != nil {
		s.opts.Refuse = old
		return err
	}
	return nil
}
