package model

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"github.com/sugarme/gotch"
	"github.com/sugarme/gotch/ts"
)

// Save writes the parameters to path (libtorch's named-tensor archive, ".ot")
// and the architecture next to it as arch.json is the caller's business.
// The file is written to a temporary name, synced and renamed, so path is
// never half-written (a full disk leaves the old file or none).
func (n *Net) Save(path string) (err error) {
	var named []ts.NamedTensor
	for _, k := range n.names {
		named = append(named, ts.NamedTensor{Name: k, Tensor: n.T[k]})
	}
	// A name of its own: two processes may cache the same dense model.
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp-*")
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	tmp := f.Name()
	f.Close()
	defer func() {
		if r := recover(); r != nil { // libtorch throws on a failed write
			err = fmt.Errorf("save %s: %v", path, r)
		}
		if err != nil {
			os.Remove(tmp)
		}
	}()
	if err := ts.SaveMultiNew(named, tmp); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := syncFile(tmp); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Chmod(tmp, 0o644); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if err := os.Rename(tmp, path); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// syncFile flushes a written file to the disk, so that a rename after it
// never exposes an empty file after a crash.
func syncFile(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}

// Load reads parameters saved by Save into a new network of arch a.
func Load(a Arch, path string, dev gotch.Device) (*Net, error) {
	if _, err := os.Stat(path); err != nil {
		return nil, fmt.Errorf("load model: %w", err)
	}
	n, err := New(a, dev, InitDefault, 0)
	if err != nil {
		return nil, err
	}
	// The call and its error check must see the same thread's last error.
	runtime.LockOSThread()
	named, err := ts.LoadMultiWithDevice(path, dev)
	runtime.UnlockOSThread()
	if err != nil {
		n.Drop()
		return nil, fmt.Errorf("load model %s: %w", path, err)
	}
	got := map[string]*ts.Tensor{}
	for _, t := range named {
		got[t.Name] = t.Tensor
	}
	for _, k := range n.names {
		t, ok := got[k]
		if !ok {
			n.Drop()
			return nil, fmt.Errorf("load model %s: no tensor %q for arch %s", path, k, a.Name)
		}
		want, have := n.T[k].MustSize(), t.MustSize()
		if fmt.Sprint(want) != fmt.Sprint(have) {
			n.Drop()
			return nil, fmt.Errorf("load model %s: %s has shape %v, arch wants %v", path, k, have, want)
		}
		n.T[k].MustDrop()
		n.set(k, t, n.buffer[k])
		delete(got, k)
	}
	for k, t := range got {
		t.MustDrop()
		n.Drop()
		return nil, fmt.Errorf("load model %s: unexpected tensor %q", path, k)
	}
	return n, nil
}

// CopyFrom copies every parameter of src (same arch) into n.
func (n *Net) CopyFrom(src *Net) {
	NoGrad(func() {
		for _, k := range n.names {
			n.T[k].Copy_(src.T[k])
		}
	})
}
