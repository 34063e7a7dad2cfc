package pgtest

import (
	"fmt"
	"os"
	"os/user"
	"strconv"
	"syscall"
)

// runAs is the user the server runs as; nil: the current one.
type runAs = syscall.Credential

// serverUser returns the credential the server runs with: nil when not
// root; as root, the postgres user, to whom dir is handed.
func serverUser(dir string) (*runAs, error) {
	if os.Geteuid() != 0 {
		return nil, nil
	}
	u, err := user.Lookup("postgres")
	if err != nil {
		return nil, fmt.Errorf("running as root, and PostgreSQL refuses root: no `postgres` user to run it as (%v); install the Debian package `postgresql`", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	if err := os.Chown(dir, uid, gid); err != nil {
		return nil, err
	}
	if err := os.Chmod(dir, 0o755); err != nil {
		return nil, err
	}
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, nil
}

// procAttr runs a process as cred; server processes get SIGQUIT (fast
// shutdown without cleanup) when the thread that started them ends (see
// Start), and their own process group.
func procAttr(cred *runAs, server bool) *syscall.SysProcAttr {
	a := &syscall.SysProcAttr{Credential: cred}
	if server {
		a.Pdeathsig, a.Setpgid = syscall.SIGQUIT, true
	}
	return a
}
