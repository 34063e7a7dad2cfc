// Package rdsapi is the cloud adapter: it implements executor.Cloud (the
// executor's interface and types; this package imports the executor, not
// the reverse). It talks to the ApsaraDB RDS OpenAPI
// through the real Alibaba Cloud SDK (services/rds) and turns SDK errors
// into the executor's kinds (ErrThrottled, ErrTransient, ErrWrongState,
// ErrNotFound, ErrNotEligible, ErrInstanceLocked, ErrFatal), with a hint for
// the refusals a person must fix. Nothing above this package looks at error
// codes.
//
// Requests go over HTTPS to the region's public endpoint unless an
// endpoint URL is given (http://127.0.0.1:PORT for the simulator).
// Credentials come from the SDK's standard chain; they are never logged,
// and every error this package returns is scrubbed of the signed request
// URL (access key id, Signature, SignatureNonce) and of anything shaped
// like a key id. Calls that never reached the endpoint are ErrUnreachable,
// refusals of the credentials ErrCredentials.
package rdsapi
