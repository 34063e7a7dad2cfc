//go:build unix

package executor

import (
	"errors"
	"syscall"
)

// oNoFollow makes open fail on a symbolic link instead of following it.
const oNoFollow = syscall.O_NOFOLLOW

func isLinkLoop(err error) bool { return errors.Is(err, syscall.ELOOP) }
