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
	bad := filepath.Join(dir, cifar10.train[2])
	if err := os.WriteFile(bad, []byte("short"), 0o644); err != nil {
		t.Fatal(err)
	}
	wantErr(t, Check(Config{Dataset: "cifar10", Dir: dir}), bad, "bad size")
	os.Remove(bad)
	wantErr(t, Check(Config{Dataset: "cifar10", Dir: dir}), bad)
	mnist := t.TempDir() // a folder without the four idx files
	wantErr(t, Check(Config{Dataset: "mnist", Dir: mnist}), trainImagesFile)

	// idx files: only their headers are read, gzipped or not.
	images := idxBytes(idxMagicImages, []uint32{2, 2, 2}, make([]byte, 8))
	labels := idxBytes(idxMagicLabels, []uint32{2}, []byte{0, 1})
	for _, f := range []string{trainImagesFile, testImagesFile} {
		writeFile(t, filepath.Join(mnist, f), images, true)
	}
	for _, f := range []string{trainLabelsFile, testLabelsFile} {
		writeFile(t, filepath.Join(mnist, f), labels, false)
	}
	if err := Check(Config{Dataset: "mnist", Dir: mnist}); err != nil {
		t.Fatalf("good idx files: %v", err)
	}
	swapped := filepath.Join(mnist, testLabelsFile)
	writeFile(t, swapped, images, false) // an image file where labels belong
	wantErr(t, Check(Config{Dataset: "mnist", Dir: mnist}), swapped, "wrong magic number")
	writeFile(t, swapped, idxBytes(idxMagicLabels, []uint32{0}, nil), true)
	wantErr(t, Check(Config{Dataset: "mnist", Dir: mnist}), swapped, "empty")
}
