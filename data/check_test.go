package data

import (
	"os"
	"path/filepath"
	"testing"
)

// Check accepts good files and names what is missing or malformed, without
// loading anything.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	writeCIFAR(t, dir)
	if err := Check(Config{Dataset: "cifar10", Dir: dir}); err != nil {
		t.Fatalf("good CIFAR-10 files: %v", err)
	}
	if err := Check(Config{Dataset: "synthetic"}); err != nil {
		t.Fatalf("synthetic: %v", err)
	}
	missing := filepath.Join(dir, "nowhere")
	wantErr(t, Check(Config{Dataset: "fashion-mnist", Dir: missing}), "fashion-mnist", missing)
	wantErr(t, Check(Config{Dataset: "cifar10"}), "data.dir is required")
	bad := filepath.Join(dir, cifarTrainFiles[2])
	if err := os.WriteFile(bad, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantErr(t, Check(Config{Dataset: "cifar10", Dir: dir}), bad, "bad size")
	os.Remove(bad)
	wantErr(t, Check(Config{Dataset: "cifar10", Dir: dir}), bad)
	mnist := t.TempDir() // a folder without the four idx files
	wantErr(t, Check(Config{Dataset: "mnist", Dir: mnist}), trainImagesFile)
}
