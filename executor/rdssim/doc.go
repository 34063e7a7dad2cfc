// Package rdssim is a local stand-in for the ApsaraDB RDS OpenAPI
// (version 2014-08-15): an http.Handler that speaks the RPC protocol as the
// Alibaba Cloud SDKs send it (the classic github.com/aliyun/alibaba-cloud-sdk-go,
// the darabonba-openapi based SDKs, pop-core), so a real client can be
// pointed at it over loopback HTTP.
//
// What it owns:
//   - the RPC envelope (protocol.go): parameters from the query string and a
//     form body, GET or POST; both signature schemes the service accepts:
//     v1 (sigv1.go: the Signature parameter, HMAC-SHA1 over
//     "METHOD&%2F&" + percent-encoded canonical query, key = secret + "&")
//     and v3 (sigv3.go: "Authorization: ACS3-HMAC-SHA256 Credential=…,
//     SignedHeaders=…,Signature=…" over the canonical request: method, URI,
//     canonical query, signed headers (host and every x-acs-* header),
//     x-acs-content-sha256 checked against the body; action and version
//     from x-acs-action and x-acs-version), with one access key, one
//     15-minute timestamp rule and one nonce store for both (auth.go);
//     responses in JSON, or XML for Format=XML (encode.go); and error
//     responses shaped like the real ones ({RequestId, HostId, Code,
//     Message, Recommend} with the real HTTP status, errors.go) so each SDK
//     raises its own error type;
//   - an in-memory fleet seeded from an inventory ([]plans.Instance) and the
//     actions DescribeDBInstances, DescribeDBInstanceAttribute,
//     UpgradeDBInstanceEngineVersion, DescribeTasks and DescribeHistoryTasks,
//     and for discovery DescribeRegions and ListTagResources (discover.go:
//     also the tag filter and NextToken paging of DescribeDBInstances);
//   - simulated time: every state is derived lazily from a Clock (real, scaled
//     or manual), so tests advance a ManualClock instead of sleeping;
//   - fault injection (throttling, 5xx, latency, responses dropped after the
//     action was carried out, failed upgrade tasks, drift), every random
//     choice derived from Options.Seed and the call's identity, so a run can
//     be replayed;
//   - the call log (GET /_sim/calls) and fleet view (GET /_sim/instances),
//     and state persistence (Save/Load).
//
// Error codes returned (HTTP status in parentheses), as the API reference
// lists them. Gateway: IncompleteSignature (400; v1 without Signature, v3
// with a malformed Authorization or an unsigned x-acs-* or host header),
// MissingParameter (400, a signature parameter or v3 header), InvalidParameter
// (400, an unsupported signature method or algorithm), Missing<Name> (400, "<Name> is mandatory for this
// action.": MissingRegionId, MissingDBInstanceId, MissingEngineVersion,
// MissingFromStartTime, MissingToStartTime), InvalidAccessKeyId.NotFound
// (404), SignatureDoesNotMatch (400, with the server's string to sign in the
// message, as the classic SDK expects; for v3 also a body whose SHA-256 is
// not x-acs-content-sha256), InvalidTimeStamp.Format /
// InvalidTimeStamp.Expired (400, 15 minutes of wall-clock skew),
// SignatureNonceUsed (400), InvalidVersion (400), InvalidAction.NotFound
// (404). Faults: Throttling.User (400), ServiceUnavailable (503),
// InternalError (500). Actions: InvalidDBInstanceId.NotFound (404),
// IncorrectDBInstanceState (403), IncorrectEngineVersion (403: unsupported
// version path), UnsupportedReadOrBakReadState (403: a read-only or
// disaster-recovery instance is not yet on the primary's target),
// IdempotentParameterMismatch (400), InvalidParameter (400; also more than
// 30 ids to DescribeDBInstanceAttribute, a bad DescribeHistoryTasks time
// range), InvalidPageSize.Malformed (DescribeDBInstances 1–100, default 30;
// DescribeTasks 30–100, default 30; DescribeHistoryTasks 10–100, default
// 10), InvalidPageNumber.Malformed, InvalidEffectiveTime.Malformed,
// InvalidClientToken.Malformed (400); and the refusals Options.Refuse
// injects per instance: InvalidSSLstatus, InvalidTDEstatus (400),
// IncorrectEngineTypeMyisam, UnsupportedFtsIndex, InvalidAccountName.Format,
// IncorrectDBInstanceLockMode (403).
//
// It knows nothing of the planner or the executor.
package rdssim
