package executor

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// ErrNotRegular: a lock or journal path is a symbolic link, a directory or
// some other non-regular file. rdsup never follows a link there: a
// planted PLAN.lock → ~/.bashrc would otherwise be truncated.
var ErrNotRegular = errors.New("not a regular file")

// checkRegular refuses path when it exists and is not a regular file
// (a symbolic link included); a missing path is fine.
func checkRegular(what, path string) error {
	fi, err := os.Lstat(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		return fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !fi.Mode().IsRegular() {
		return notRegular(what, path, fi.Mode())
	}
	return nil
}

func notRegular(what, path string, mode fs.FileMode) error {
	kind := "not a regular file"
	switch {
	case mode&fs.ModeSymlink != 0:
		kind = "a symbolic link"
	case mode.IsDir():
		kind = "a directory"
	}
	return fmt.Errorf("%s %s is %s (%w): rdsup never follows links for its lock and journal; remove it and run again, and keep plans in a directory only you can write to",
		what, path, kind, ErrNotRegular)
}

// openRegular opens path with flag, never through a symbolic link
// (O_NOFOLLOW where the system has it, and an Lstat check), creating it
// with perm as the umask allows.
func openRegular(what, path string, flag int, perm os.FileMode) (*os.File, error) {
	if err := checkRegular(what, path); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, flag|oNoFollow, perm)
	if err != nil {
		if isLinkLoop(err) {
			return nil, notRegular(what, path, fs.ModeSymlink)
		}
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s %s: %w", what, path, err)
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, notRegular(what, path, fi.Mode())
	}
	return f, nil
}
