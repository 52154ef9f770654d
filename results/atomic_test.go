package results

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileAtomicReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.txt")
	mustRun(t, WriteFileAtomic(path, []byte("first")))
	mustRun(t, WriteFileAtomic(path, []byte("second")))
	got, err := os.ReadFile(path)
	mustRun(t, err)
	if string(got) != "second" {
		t.Fatalf("content = %q, want %q", got, "second")
	}
	entries, err := os.ReadDir(dir)
	mustRun(t, err)
	if len(entries) != 1 {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("folder holds %v, want only x.txt", names)
	}
	st, err := os.Stat(path)
	mustRun(t, err)
	if st.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, want 0644", st.Mode().Perm())
	}
}

func TestWriteFileAtomicMissingDir(t *testing.T) {
	path := filepath.Join(t.TempDir(), "no", "such", "x.txt")
	if err := WriteFileAtomic(path, []byte("x")); err == nil {
		t.Fatal("want an error for a missing folder")
	}
}

func TestWriteJSONIndented(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.json")
	mustRun(t, WriteJSON(path, map[string]int{"a": 1}))
	got, err := os.ReadFile(path)
	mustRun(t, err)
	if want := "{\n  \"a\": 1\n}\n"; string(got) != want {
		t.Fatalf("got %q, want %q", got, want)
	}
}
