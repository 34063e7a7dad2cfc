package rdsapi

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"syscall"

	"github.com/aliyun/alibaba-cloud-sdk-go/services/rds"

	"github.com/rdsup/rdsup/executor"
)

// ErrUnreachable marks a call that never reached the endpoint (see
// executor.ErrUnreachable); such an error is also ErrTransient.
var ErrUnreachable = executor.ErrUnreachable

// ErrCredentials: the service refused who we are (see
// executor.ErrCredentials). It is also ErrFatal.
var ErrCredentials = executor.ErrCredentials

// UnreachableError is a transient *Error whose call never reached Host.
type UnreachableError struct {
	Host string // host:port or host the request was for
	Err  *Error
}

func (e *UnreachableError) Error() string { return e.Err.Error() }

// Unwrap exposes the classified error (ErrTransient).
func (e *UnreachableError) Unwrap() error { return e.Err }

// Is makes errors.Is(err, ErrUnreachable) work.
func (e *UnreachableError) Is(target error) bool { return target == ErrUnreachable }

// unreachable reports transport errors that mean the request was never
// sent: any failure to dial (DNS, refused, unreachable, dial timeout).
func unreachable(err error) bool {
	var dns *net.DNSError
	if errors.As(err, &dns) {
		return true
	}
	var op *net.OpError
	if errors.As(err, &op) && op.Op == "dial" {
		return true
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.EHOSTUNREACH) || errors.Is(err, syscall.ENETUNREACH)
}

// credentialCodes are the gateway's answers about the caller's identity.
var credentialCodes = []string{
	"InvalidAccessKeyId.NotFound", "InvalidAccessKeyId.Inactive", "InvalidAccessKeyId",
	"SignatureDoesNotMatch", "IncompleteSignature", "InvalidSecurityToken.Expired",
	"InvalidSecurityToken.Malformed", "InvalidSecurityToken.MismatchWithAccessKey",
	"Forbidden.AccessKeyDisabled", "Forbidden.RAM", "Forbidden.NoPermission", "NoPermission", "Forbidden",
}

// credentialError wraps an ErrFatal *Error about the caller's identity.
type credentialError struct{ err *Error }

func (e *credentialError) Error() string        { return e.err.Error() }
func (e *credentialError) Unwrap() error        { return e.err }
func (e *credentialError) Is(target error) bool { return target == ErrCredentials }

// scrub is the last word on every error a call returns: the message loses
// the signed URL and anything secret (see redact); a transport failure is
// described by method, endpoint and the network error alone; an HTTP
// timeout (the SDK surfaces it as a context deadline although ctx is
// live) is transient; a call that never reached the endpoint is an
// *UnreachableError; a refusal of our credentials is ErrCredentials.
func (c *Client) scrub(k *call, err error) error {
	if err == nil {
		return nil
	}
	method, host, netErr := k.sent()
	var e *Error
	if !errors.As(err, &e) {
		if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			return &redactedError{msg: redact(err.Error(), c.keyID), err: err}
		}
		e = &Error{Kind: ErrTransient, Message: fmt.Sprintf("no answer within %s", c.timeout)}
	}
	out := *e
	if out.Action == "" {
		out.Action = k.action()
	}
	if netErr != nil {
		out.Message = fmt.Sprintf("%s %s://%s/: %v", method, strings.ToLower(c.scheme), host, netErr)
		if errors.Is(netErr, context.DeadlineExceeded) || errors.Is(netErr, context.Canceled) {
			out.Message = fmt.Sprintf("%s %s://%s/: no answer within %s", method, strings.ToLower(c.scheme), host, c.timeout)
		}
	}
	out.Message = redact(out.Message, c.keyID)
	out.Code = redact(out.Code, c.keyID)
	switch {
	case netErr != nil && unreachable(netErr):
		out.Kind = ErrTransient
		return &UnreachableError{Host: host, Err: &out}
	case out.Kind == ErrFatal && hasCode(credentialCodes, out.Code):
		return &credentialError{&out}
	}
	return &out
}

// redactedError keeps errors.Is working on an error whose text was scrubbed.
type redactedError struct {
	msg string
	err error
}

func (e *redactedError) Error() string { return e.msg }
func (e *redactedError) Unwrap() error { return e.err }

// Ping makes one cheap authenticated read in region (DescribeDBInstances,
// one row): it proves the endpoint answers, the region exists for it and
// the credentials are accepted, before anything is changed.
func (c *Client) Ping(ctx context.Context, region string) error {
	return c.do(ctx, func(cl *rds.Client, callID string) error {
		req := rds.CreateDescribeDBInstancesRequest()
		req.RegionId = region
		req.PageSize = "1"
		req.GetHeaders()[callHeader] = callID
		_, err := cl.DescribeDBInstances(req)
		return Classify("DescribeDBInstances", err)
	})
}
