// Package discover reads a fleet from the account and writes it as an
// inventory: the regions (or the region list for --all-regions), each
// region's instances (paged, with the API's tag and engine filters), their
// attributes and tags, mapped to the inventory's roles and primaries.
//
// It owns the Account interface (implemented by executor/rdsapi over the
// SDK), the concurrency, rate limit and retries of discovery, the mapping
// from the service's instance types and links to roles and primaries, the
// YAML it writes (deterministic, common values factored into defaults:),
// merging into an inventory a person edited, and the drift report of
// `rdsup plan --refresh`. It knows nothing of the SDK or of OPA.
package discover
