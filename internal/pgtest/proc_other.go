//go:build !linux

package pgtest

import "syscall"

// runAs: elsewhere than Linux the server runs as the current user (which
// must not be root), and is not stopped if the test binary is killed.
type runAs struct{}

func serverUser(string) (*runAs, error) { return nil, nil }

func procAttr(*runAs, bool) *syscall.SysProcAttr { return nil }
