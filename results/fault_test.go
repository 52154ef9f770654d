package results

import (
	"errors"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// fullDisk is a temporary file on a disk that fills up: Write stores
// half of its bytes, then fails with ENOSPC (as write(2) does); fail names
// the step that fails instead, for the other steps.
type fullDisk struct {
	*os.File
	fail string
}

func (f *fullDisk) Write(b []byte) (int, error) {
	if f.fail != "write" {
		return f.File.Write(b)
	}
	n, _ := f.File.Write(b[:len(b)/2])
	return n, &os.PathError{Op: "write", Path: f.Name(), Err: syscall.ENOSPC}
}

func (f *fullDisk) Sync() error {
	if f.fail == "sync" {
		return &os.PathError{Op: "sync", Path: f.Name(), Err: syscall.ENOSPC}
	}
	return f.File.Sync()
}

func (f *fullDisk) Close() error {
	err := f.File.Close()
	if f.fail == "close" {
		return &os.PathError{Op: "close", Path: f.Name(), Err: syscall.EIO}
	}
	return err
}

// A write that fails at any step (a full disk while writing, syncing or
// closing; no room for the temporary file) leaves the previous content in
// place and no temporary file behind.
func TestWriteAtomicOnFullDisk(t *testing.T) {
	for _, step := range []string{"create", "write", "sync", "close"} {
		t.Run(step, func(t *testing.T) {
			dir := t.TempDir()
			path := filepath.Join(dir, "search.json")
			mustRun(t, WriteFileAtomic(path, []byte("generation 3")))
			err := writeAtomic(path, []byte("generation 4, longer"), func(d, pattern string) (tempFile, error) {
				if step == "create" {
					return nil, &os.PathError{Op: "open", Path: d, Err: syscall.ENOSPC}
				}
				f, err := os.CreateTemp(d, pattern)
				return &fullDisk{f, step}, err
			})
			if err == nil {
				t.Fatal("no error from a full disk")
			}
			if step != "close" && !errors.Is(err, syscall.ENOSPC) {
				t.Errorf("error %v does not say ENOSPC", err)
			}
			got, _ := os.ReadFile(path)
			if string(got) != "generation 3" {
				t.Errorf("content %q after the failed write, want the old one", got)
			}
			entries, _ := os.ReadDir(dir)
			if len(entries) != 1 {
				t.Errorf("folder holds %d entries, want only search.json", len(entries))
			}
		})
	}
}

// Two holders of one run directory: the second is refused with ErrBusy,
// and gets the lock once the first releases it.
func TestRunDirLock(t *testing.T) {
	d := &RunDir{Path: t.TempDir()}
	a, err := d.Lock()
	mustRun(t, err)
	if _, err := d.Lock(); !errors.Is(err, ErrBusy) {
		t.Fatalf("second lock: %v, want ErrBusy", err)
	}
	a.Release()
	b, err := d.Lock()
	mustRun(t, err)
	b.Release()
}

func TestCreateNewRunDirNeverReuses(t *testing.T) {
	out := t.TempDir()
	a, err := CreateNewRunDir(out, "x", "20261202-120000-s1")
	mustRun(t, err)
	b, err := CreateNewRunDir(out, "x", "20261202-120000-s1")
	mustRun(t, err)
	if a.Path == b.Path || filepath.Base(b.Path) != "20261202-120000-s1-2" {
		t.Fatalf("paths %s and %s", a.Path, b.Path)
	}
	if _, err := CreateNewRunDir(out, "../x", "id"); err == nil {
		t.Fatal("a name with a separator was accepted")
	}
}

func TestStatusRoundTrip(t *testing.T) {
	d := &RunDir{Path: t.TempDir()}
	mustRun(t, d.WriteStatus(Status{State: StateFailed, Stage: "search", Error: "boom"}))
	s, err := d.ReadStatus()
	mustRun(t, err)
	if s.State != StateFailed || s.Stage != "search" || s.Error != "boom" || s.PID != os.Getpid() || time.Since(s.Updated) > time.Minute {
		t.Fatalf("status %+v", s)
	}
}
