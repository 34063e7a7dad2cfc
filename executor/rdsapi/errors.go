package rdsapi

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"syscall"

	sdkerrors "github.com/aliyun/alibaba-cloud-sdk-go/sdk/errors"
)

// Error kinds. Callers branch with errors.Is on these and nothing else.
var (
	// ErrThrottled: the API refused the call for its rate limit; retry later.
	ErrThrottled = errors.New("throttled")
	// ErrTransient: a 5xx, a timeout or a broken connection; the call may or
	// may not have been carried out; retry (with the same ClientToken).
	ErrTransient = errors.New("transient error")
	// ErrWrongState: the instance is not in a state that allows the action
	// (e.g. not Running); wait and retry a bounded time.
	ErrWrongState = errors.New("instance in wrong state")
	// ErrNotFound: the instance does not exist (in this region).
	ErrNotFound = errors.New("instance not found")
	// ErrFatal: anything else (bad parameters, auth, unsupported version):
	// retrying will not help.
	ErrFatal = errors.New("fatal API error")
)

// Error is an API failure classified into one of the kinds above.
type Error struct {
	Kind       error  // one of the Err* sentinels
	Action     string // API action, e.g. "UpgradeDBInstanceEngineVersion"
	Code       string // the service's error code, "" for network errors
	Message    string // the service's message or the network error
	RequestID  string
	HTTPStatus int
}

func (e *Error) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %v", e.Action, e.Kind)
	if e.Code != "" {
		fmt.Fprintf(&b, ": %s", e.Code)
	}
	if e.Message != "" {
		fmt.Fprintf(&b, ": %s", e.Message)
	}
	if e.RequestID != "" {
		fmt.Fprintf(&b, " (request %s)", e.RequestID)
	}
	return b.String()
}

// Is makes errors.Is(err, ErrThrottled) and friends work.
func (e *Error) Is(target error) bool { return target == e.Kind }

// Codes of the RDS API and its gateway, by kind. Matching happens here and
// nowhere else.
var (
	throttledCodes  = []string{"Throttling", "Throttling.User", "Throttling.Api", "Throttling.Resource", "RequestLimitExceeded", "Flowlimit"}
	wrongStateCodes = []string{
		"IncorrectDBInstanceState", "OperationDenied.DBInstanceStatus", "IncorrectDBInstanceLockMode",
		"OperationDenied.PrimaryDBInstanceStatus", "OperationDenied.ReadDBInstanceStatus", "TaskConflict",
		"IncorrectDBState", "OperationDenied.DBStatus",
	}
	notFoundCodes  = []string{"InvalidDBInstanceId.NotFound", "InvalidDBInstanceName.NotFound", "InvalidDBInstance.NotFound"}
	transientCodes = []string{"ServiceUnavailable", "InternalError", "UnknownError", "SystemBusy", "Gateway.Timeout"}
)

func hasCode(list []string, code string) bool {
	for _, c := range list {
		if strings.EqualFold(c, code) {
			return true
		}
	}
	return false
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
	switch {
	case hasCode(throttledCodes, code) || status == 429:
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
