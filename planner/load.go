package planner

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

// MaxSize is the largest inventory Load reads: 32 MiB, some 180,000
// instances written as planner/fleetgen writes them.
const MaxSize = 32 << 20

// maxSize is MaxSize; tests lower it.
var maxSize int64 = MaxSize

// Load reads and validates the inventory at path. Only a regular file (or
// a symlink to one) of at most MaxSize bytes is read: a directory, FIFO,
// socket or device is refused without waiting on it.
func Load(path string) (*Inventory, error) {
	data, err := readInventory(path)
	if err != nil {
		return nil, err
	}
	return Parse(path, data)
}

// LoadDraft is Load through ParseDraft: targetVersion may be missing.
func LoadDraft(path string) (*Inventory, error) {
	data, err := readInventory(path)
	if err != nil {
		return nil, err
	}
	return ParseDraft(path, data)
}

func readInventory(path string) ([]byte, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	if err := regularFile(path, fi); err != nil {
		return nil, err
	}
	// O_NONBLOCK: should path become a FIFO after the Stat, opening it
	// returns at once instead of waiting for a writer; the file's own mode
	// is checked again below. It does not change reads of a regular file.
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	defer f.Close()
	if fi, err = f.Stat(); err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	if err := regularFile(path, fi); err != nil {
		return nil, err
	}
	data, err := io.ReadAll(io.LimitReader(f, maxSize+1))
	if err != nil {
		return nil, fmt.Errorf("read inventory: %w", err)
	}
	if int64(len(data)) > maxSize {
		return nil, &InputError{File: path, Msg: "inventory larger than " + sizeName(maxSize),
			Hint: "split the fleet into several inventories and plan each"}
	}
	return data, nil
}

// regularFile refuses anything but a regular file, naming what it is.
func regularFile(path string, fi fs.FileInfo) error {
	what := ""
	switch t := fi.Mode().Type(); {
	case t.IsRegular():
		return nil
	case t&fs.ModeDir != 0:
		what = "a directory"
	case t&fs.ModeNamedPipe != 0:
		what = "a named pipe (FIFO)"
	case t&fs.ModeSocket != 0:
		what = "a socket"
	case t&fs.ModeDevice != 0:
		what = "a device"
	default:
		what = "not a regular file"
	}
	return &InputError{File: path, Msg: "the inventory is " + what, Hint: "give -i the path of a YAML file; pipes and devices are not read"}
}

func sizeName(n int64) string {
	if n >= 1<<20 && n%(1<<20) == 0 {
		return fmt.Sprintf("%d MiB", n>>20)
	}
	return fmt.Sprintf("%d bytes", n)
}
