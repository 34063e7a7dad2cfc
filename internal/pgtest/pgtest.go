// Package pgtest runs a private PostgreSQL server for tests: a cluster
// initialised with initdb in a temporary directory, listening only on a
// Unix socket there, stopped at the end. PostgreSQL refuses to run as
// root, so when the test runs as root the server runs as the `postgres`
// system user (the Debian package's), which is given the directory.
//
// A package shares one server: its TestMain calls Main, and each test asks
// for a fresh database with DB. Without PostgreSQL binaries the tests that
// need it skip, unless RDSUP_REQUIRE_PG is set (CI), when they fail.
package pgtest

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// RequireEnv names the variable that turns a missing PostgreSQL into a
// test failure instead of a skip.
const RequireEnv = "RDSUP_REQUIRE_PG"

// binDirs are searched, in order, for initdb and postgres.
var binDirs = []string{"/usr/lib/postgresql/17/bin", "/usr/lib/postgresql/16/bin", "/usr/lib/postgresql/15/bin", "/usr/lib/postgresql/14/bin", "/usr/local/bin", "/usr/bin"}

// Server is a running private PostgreSQL cluster.
type Server struct {
	dir  string // owned by the server's user: data/ and the socket
	cmd  *exec.Cmd
	done chan struct{}
	seq  atomic.Int64
}

// BinDir returns the directory holding initdb and postgres, or "".
func BinDir() string {
	if d := os.Getenv("RDSUP_PG_BIN"); d != "" {
		return d
	}
	for _, d := range binDirs {
		if isExec(filepath.Join(d, "initdb")) && isExec(filepath.Join(d, "postgres")) {
			return d
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		return filepath.Dir(p)
	}
	return ""
}

func isExec(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0
}

// Start initialises a cluster in a new temporary directory and starts it.
func Start() (*Server, error) {
	bin := BinDir()
	if bin == "" {
		return nil, errors.New("no PostgreSQL binaries (initdb, postgres) found: install the Debian package `postgresql` (apt-get install -y postgresql)")
	}
	dir, err := os.MkdirTemp("", "rdsup-pgtest-")
	if err != nil {
		return nil, err
	}
	s := &Server{dir: dir, done: make(chan struct{})}
	cred, err := serverUser(dir)
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "--auth=trust", "-E", "UTF8", "--locale=C", "--no-sync")
	initdb.SysProcAttr = procAttr(cred, false)
	initdb.Dir = dir
	if out, err := initdb.CombinedOutput(); err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("initdb: %v\n%s", err, out)
	}
	s.cmd = exec.Command(filepath.Join(bin, "postgres"), "-D", data, "-k", dir, "-c", "listen_addresses=",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB", "-c", "log_min_messages=FATAL")
	// if the test binary dies (kill -9), the server goes with it (Linux)
	s.cmd.SysProcAttr = procAttr(cred, true)
	s.cmd.Dir = dir
	logf, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		os.RemoveAll(dir)
		return nil, err
	}
	s.cmd.Stdout, s.cmd.Stderr = logf, logf
	// Pdeathsig fires when the thread that started the child ends, not
	// the process: start it from a goroutine locked to its thread that
	// lives as long as the server.
	started := make(chan error, 1)
	go func() {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		err := s.cmd.Start()
		started <- err
		if err == nil {
			s.cmd.Wait()
		}
		logf.Close()
		close(s.done)
	}()
	if err := <-started; err != nil {
		os.RemoveAll(dir)
		return nil, fmt.Errorf("start postgres: %w", err)
	}
	if err := s.waitReady(30 * time.Second); err != nil {
		log, _ := os.ReadFile(filepath.Join(dir, "server.log"))
		s.Stop()
		return nil, fmt.Errorf("%w\n%s", err, log)
	}
	return s, nil
}

func (s *Server) waitReady(limit time.Duration) error {
	deadline := time.Now().Add(limit)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		c, err := pgx.Connect(ctx, s.URL("postgres"))
		if err == nil {
			c.Close(ctx)
			cancel()
			return nil
		}
		cancel()
		select {
		case <-s.done:
			return errors.New("postgres exited during startup")
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("postgres not ready after %s: %w", limit, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// URL is the connection URL of database db on the server's socket.
func (s *Server) URL(db string) string {
	return "postgres:///" + db + "?host=" + url.QueryEscape(s.dir) + "&user=postgres&sslmode=disable"
}

// NewDatabase creates an empty database and returns its URL.
func (s *Server) NewDatabase(ctx context.Context) (string, error) {
	name := fmt.Sprintf("t%d_%d", os.Getpid(), s.seq.Add(1))
	c, err := pgx.Connect(ctx, s.URL("postgres"))
	if err != nil {
		return "", err
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		return "", err
	}
	return s.URL(name), nil
}

// Stop shuts the server down (fast shutdown) and removes its directory.
func (s *Server) Stop() {
	if s.cmd != nil && s.cmd.Process != nil {
		_ = s.cmd.Process.Signal(os.Interrupt)
		select {
		case <-s.done:
		case <-time.After(10 * time.Second):
			_ = s.cmd.Process.Kill()
			<-s.done
		}
	}
	os.RemoveAll(s.dir)
}

var (
	shared    *Server
	sharedErr error
	sharedMu  sync.Mutex
	inMain    bool
)

// Main runs a package's tests (m: a *testing.M, or a wrapper such as
// testscript's) with one shared server, started on first use by DB and
// stopped when the tests end. Call it from TestMain.
func Main(m interface{ Run() int }) int {
	sharedMu.Lock()
	inMain = true
	sharedMu.Unlock()
	code := m.Run()
	sharedMu.Lock()
	if shared != nil {
		shared.Stop()
		shared = nil
	}
	sharedMu.Unlock()
	return code
}

// DB returns the URL of a fresh, empty database on the package's shared
// server (see Main). Without PostgreSQL the test is skipped, or fails
// when RDSUP_REQUIRE_PG is set.
func DB(t testing.TB) string {
	t.Helper()
	s := server(t)
	u, err := s.NewDatabase(t.Context())
	if err != nil {
		t.Fatalf("create test database: %v", err)
	}
	return u
}

func server(t testing.TB) *Server {
	t.Helper()
	sharedMu.Lock()
	defer sharedMu.Unlock()
	if !inMain {
		t.Fatal("pgtest: call pgtest.Main from the package's TestMain")
	}
	if shared == nil && sharedErr == nil {
		if BinDir() == "" && os.Getenv(RequireEnv) == "" {
			sharedErr = errSkip
		} else {
			shared, sharedErr = Start()
		}
	}
	switch {
	case errors.Is(sharedErr, errSkip):
		t.Skipf("PostgreSQL is not installed (no initdb/postgres in %s): skipped; install the Debian package `postgresql` or set %s=1 to make this a failure", strings.Join(binDirs, ", "), RequireEnv)
	case sharedErr != nil:
		t.Fatalf("start PostgreSQL: %v", sharedErr)
	}
	return shared
}

var errSkip = errors.New("skip")

// PID is the server process's id.
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Dir is the server's temporary directory (data and socket).
func (s *Server) Dir() string { return s.dir }
