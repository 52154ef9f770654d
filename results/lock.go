package results

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"syscall"
)

// LockFile is held (flock) by the process writing a run directory.
const LockFile = ".lock"

// ErrBusy says another process holds a run directory's lock.
var ErrBusy = errors.New("in use by another evoprune process")

// Lock is a held run-directory lock. The kernel releases it when the
// process ends however it ends, so a killed run never leaves a stale lock.
type Lock struct{ f *os.File }

// Lock takes the run directory's lock without waiting: two processes never
// write one run directory (or sweep trial) at once.
func (d *RunDir) Lock() (*Lock, error) {
	path := d.File(LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", d.Path, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		defer f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			holder := ""
			if b, rerr := os.ReadFile(path); rerr == nil {
				if pid, perr := strconv.Atoi(strings.TrimSpace(string(b))); perr == nil {
					holder = fmt.Sprintf(" (pid %d)", pid)
				}
			}
			return nil, fmt.Errorf("run directory %s: %w%s", d.Path, ErrBusy, holder)
		}
		return nil, fmt.Errorf("lock %s: %w", d.Path, err)
	}
	// The holder's pid, for the message another process prints.
	if err := f.Truncate(0); err == nil {
		f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0)
	}
	return &Lock{f}, nil
}

// Release gives the lock back.
func (l *Lock) Release() {
	if l == nil || l.f == nil {
		return
	}
	syscall.Flock(int(l.f.Fd()), syscall.LOCK_UN)
	l.f.Close()
	l.f = nil
}
