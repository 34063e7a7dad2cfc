// Package plans owns the plan document: its types, its canonical JSON
// encoding, its content digest, and loading, verifying and atomically
// writing plan files. It is plain data: it imports neither OPA, the cloud
// SDK nor any table library. Renderers live in the render sub-package.
//
// It also holds the arithmetic every layer shares: maintenance windows
// (window.go) and the duration model (estimate.go: a step's estimate from
// its instance's role and storageGB, and each step's remaining critical
// path, the order in which apply and `rdsup schedule` start ready steps).
package plans
