package rdssim

import (
	"fmt"
	"net/http"
)

// apiError is an RPC error response.
type apiError struct {
	Status  int
	Code    string
	Message string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func errf(status int, code, format string, args ...any) *apiError {
	return &apiError{Status: status, Code: code, Message: fmt.Sprintf(format, args...)}
}

func errNotFound(id string) *apiError {
	return errf(http.StatusNotFound, "InvalidDBInstanceId.NotFound",
		"The specified instance %s is not found.", id)
}

// errMissing is the gateway's answer to a request without a parameter the
// action requires: Missing<Name>, "<Name> is mandatory for this action."
func errMissing(name string) *apiError {
	return errf(http.StatusBadRequest, "Missing"+name, "%s is mandatory for this action.", name)
}

// errMissingAuth is the answer to a request without one of the signature's
// own parameters (v1) or headers (v3).
func errMissingAuth(name string) *apiError {
	return errf(http.StatusBadRequest, "MissingParameter",
		"The input parameter %q that is mandatory for processing this request is not supplied.", name)
}

func errThrottled() *apiError {
	return errf(http.StatusBadRequest, "Throttling.User", "Request was denied due to user flow control.")
}

// hostID is the HostId of every error body: the endpoint's host name.
const hostID = "rds.aliyuncs.com"

// errorBody is the body of an error response, in the order the service
// writes its fields; both signature schemes and both formats use it.
func errorBody(reqID string, err *apiError) []field {
	return []field{
		{"RequestId", reqID},
		{"HostId", hostID},
		{"Code", err.Code},
		{"Message", err.Message},
		{"Recommend", "https://api.aliyun.com/troubleshoot?q=" + err.Code + "&product=Rds&requestId=" + reqID},
	}
}
