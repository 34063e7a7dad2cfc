package rdsapi

import (
	"context"
	"errors"
	"io"
	"maps"
	"net"
	"slices"
	"strings"
	"syscall"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"

	"github.com/rdsup/rdsup/executor"
)

// Error kinds: the executor's (see executor.ErrThrottled and friends),
// re-exported so callers of this package need not import the executor.
var (
	ErrThrottled      = executor.ErrThrottled
	ErrTransient      = executor.ErrTransient
	ErrWrongState     = executor.ErrWrongState
	ErrNotFound       = executor.ErrNotFound
	ErrNotEligible    = executor.ErrNotEligible
	ErrInstanceLocked = executor.ErrInstanceLocked
	ErrFatal          = executor.ErrFatal
)

// Error is an API failure classified into one of the kinds: the
// executor's CloudError.
type Error = executor.CloudError

// Codes of the RDS API and its gateway, by kind, as the API reference
// (RDS 2014-08-15) lists them. Matching happens here and nowhere else.
var (
	// throttled codes beyond the Throttling family (see isThrottling)
	throttledCodes  = []string{"RequestLimitExceeded", "Flowlimit"}
	wrongStateCodes = []string{
		"IncorrectDBInstanceState", "OperationDenied.DBInstanceStatus",
		"OperationDenied.PrimaryDBInstanceStatus", "OperationDenied.ReadDBInstanceStatus", "TaskConflict",
		"IncorrectDBState", "OperationDenied.DBStatus",
		// a read-only or disaster-recovery instance is not (yet) on the
		// target, or busy: it clears once the replicas are upgraded
		"UnsupportedReadOrBakReadState",
		// "uncompleted order tasks are found in the RDS instance; please try again later"
		"InvalidOrderTask.NotSupport",
	}
	notFoundCodes  = []string{"InvalidDBInstanceId.NotFound", "InvalidDBInstanceName.NotFound", "InvalidDBInstance.NotFound"}
	transientCodes = []string{"ServiceUnavailable", "InternalError", "UnknownError", "SystemBusy", "Gateway.Timeout"}
)

// lockedCode is the refusal of a locked instance; lockedHint what to do.
const (
	lockedCode = "IncorrectDBInstanceLockMode"
	lockedHint = "the instance is locked (its LockMode is not Unlock: e.g. the subscription expired, a payment is overdue, " +
		"or the storage is full); waiting does not unlock it: renew the instance or settle the payment, or expand the storage " +
		"or free space, until the console (or DescribeDBInstanceAttribute) shows LockMode Unlock"
)

// notEligible maps the upgrade refusals that a person must fix on the
// instance to what to fix.
var notEligible = map[string]string{
	"InvalidSSLstatus": "the instance has SSL encryption enabled, which a major version upgrade refuses: " +
		"disable SSL on the instance (console: Data Security > SSL, or ModifyDBInstanceSSL with SSLEnabled=0), " +
		"let the upgrade run, then enable SSL again",
	"InvalidTDEstatus": "the instance has TDE (transparent data encryption) enabled, which a major version upgrade refuses " +
		"and which cannot be turned off: migrate the data to a new instance on the target version (e.g. with DTS) " +
		"and take this instance out of the plan",
	"IncorrectEngineTypeMyisam": "the instance has MyISAM tables, which a major version upgrade refuses: " +
		"convert them to InnoDB (ALTER TABLE ... ENGINE=InnoDB; find them in information_schema.tables where engine='MyISAM')",
	"UnsupportedFtsIndex": "the instance has FULLTEXT indexes created in the system tablespace, which a major version upgrade refuses: " +
		"drop and re-create those FULLTEXT indexes",
	"UnsupportedFtsIndexVersion": "the instance has FULLTEXT indexes in the system tablespace and a minor engine version before 20221130: " +
		"update the minor version, then drop and re-create those FULLTEXT indexes",
	"InvalidAccountName.Format": "the instance has a database account named aliyun_root, which a major version upgrade refuses: " +
		"delete that account (or rename it)",
}

// NotEligibleCodes are the refusal codes classified as ErrNotEligible, sorted.
func NotEligibleCodes() []string { return slices.Sorted(maps.Keys(notEligible)) }

// LockedCode is the refusal code classified as ErrInstanceLocked.
const LockedCode = lockedCode

func hasCode(list []string, code string) bool {
	for _, c := range list {
		if strings.EqualFold(c, code) {
			return true
		}
	}
	return false
}

// isThrottling reports a code of the throttling family: Throttling,
// Throttling.User, Throttling.Api, Rejected.Throttling and their kin.
func isThrottling(code string) bool {
	c := strings.ToLower(code)
	return c == "throttling" || strings.HasPrefix(c, "throttling.") || strings.HasSuffix(c, ".throttling")
}

// hintFor returns the hint of a code, matched without regard to case.
func hintFor(code string) (kind error, hint string) {
	if strings.EqualFold(code, lockedCode) {
		return ErrInstanceLocked, lockedHint
	}
	for c, h := range notEligible {
		if strings.EqualFold(c, code) {
			return ErrNotEligible, h
		}
	}
	return nil, ""
}

// Classify turns an SDK or network error from action into an *Error of
// one of the kinds; context errors pass through unchanged.
func Classify(action string, err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	e := &Error{Action: action}
	var se *sdkerrors.ServerError
	var ce *sdkerrors.ClientError
	switch {
	case errors.As(err, &se):
		e.Code, e.RequestID, e.HTTPStatus = se.ErrorCode(), se.RequestId(), se.HttpStatus()
		e.Message = serverMessage(se)
		e.Kind = serverKind(e.Code, e.HTTPStatus)
		if _, h := hintFor(e.Code); h != "" {
			e.Hint = h
		}
	case errors.As(err, &ce):
		e.Code, e.Message = ce.ErrorCode(), ce.Message()
		switch {
		case ce.ErrorCode() == sdkerrors.TimeoutErrorCode, ce.ErrorCode() == sdkerrors.JsonUnmarshalErrorCode,
			isNetwork(ce.OriginError()):
			e.Kind = ErrTransient
		default:
			e.Kind = ErrFatal
		}
	case isNetwork(err):
		e.Kind, e.Message = ErrTransient, err.Error()
	default:
		e.Kind, e.Message = ErrFatal, err.Error()
	}
	return e
}

func serverKind(code string, status int) error {
	if k, _ := hintFor(code); k != nil {
		return k
	}
	switch {
	case isThrottling(code) || hasCode(throttledCodes, code) || status == 429:
		return ErrThrottled
	case hasCode(notFoundCodes, code):
		return ErrNotFound
	case hasCode(wrongStateCodes, code):
		return ErrWrongState
	case hasCode(transientCodes, code) || status >= 500:
		return ErrTransient
	}
	return ErrFatal
}

// serverMessage keeps the service's message but never the string-to-sign
// the SDK appends to signature errors (it holds the access key id).
func serverMessage(se *sdkerrors.ServerError) string {
	if strings.EqualFold(se.ErrorCode(), "SignatureDoesNotMatch") {
		return "the request signature does not match: check the access key secret"
	}
	msg := se.Message()
	if i := strings.Index(msg, "server string to sign"); i >= 0 {
		msg = strings.TrimSpace(msg[:i])
	}
	if len(msg) > 300 {
		msg = msg[:300] + "…"
	}
	return msg
}

// isNetwork reports connection-level failures: timeouts, resets, refused
// connections, an unexpected EOF, a response cut short.
func isNetwork(err error) bool {
	if err == nil {
		return false
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return true
	}
	var oe *net.OpError
	if errors.As(err, &oe) {
		return true
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EPIPE) {
		return true
	}
	return false
}
