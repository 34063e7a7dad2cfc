//go:build !unix

package executor

// oNoFollow: no O_NOFOLLOW here; the Lstat check in openRegular stands.
const oNoFollow = 0

func isLinkLoop(error) bool { return false }
