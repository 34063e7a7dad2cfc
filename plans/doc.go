// Package plans owns the plan document: its types, its canonical JSON
// encoding, its content digest, and loading, verifying and atomically
// writing plan files. It is plain data: it imports neither OPA, the cloud
// SDK nor any table library. Renderers live in the render sub-package.
package plans
