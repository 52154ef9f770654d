package data

import (
	"bufio"
	"compress/gzip"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// Check verifies, without loading them, that the files cfg names are
// present, readable and of a plausible form (CIFAR-10 batch sizes), so that
// a bad data.dir is reported before any work starts.
func Check(cfg Config) error {
	name, err := canonicalName(cfg.Dataset)
	if err != nil {
		return err
	}
	var dir string
	var files []string
	switch name {
	case MNIST, FashionMNIST:
		if name == MNIST {
			dir, err = findMNISTDir(cfg.Dir)
		} else {
			dir, err = findFashionDir(cfg.Dir)
		}
		files = []string{trainImagesFile, trainLabelsFile, testImagesFile, testLabelsFile}
	case CIFAR10, CIFAR100:
		dir, err = cifarFormats[name].dir(cfg.Dir)
		files = cifarFormats[name].files()
	case Synthetic:
		return nil
	}
	if err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	for _, f := range files {
		path := filepath.Join(dir, f)
		fh, err := os.Open(path)
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		st, err := fh.Stat()
		fh.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		switch {
		case cifarFormats[name] != nil:
			if _, err := cifarFormats[name].records(path, st.Size()); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
		case f == trainImagesFile || f == testImagesFile:
			err = checkIDXHead(path, idxMagicImages, 3)
		default:
			err = checkIDXHead(path, idxMagicLabels, 1)
		}
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	return nil
}

// Shape is the sample shape (channels, height, width) and the number of
// classes of the dataset cfg names, known without reading it.
func Shape(cfg Config) ([3]int, int, error) {
	name, err := canonicalName(cfg.Dataset)
	if err != nil {
		return [3]int{}, 0, err
	}
	var shape [3]int
	classes := 10
	switch name {
	case MNIST, FashionMNIST:
		shape = [3]int{1, 28, 28}
	case CIFAR10, CIFAR100:
		shape, classes = [3]int{3, 32, 32}, cifarFormats[name].classes
	default:
		if _, classes, shape, err = syntheticParams(cfg); err != nil {
			return shape, classes, err
		}
	}
	if cfg.Pad > 0 {
		shape[1] += 2 * cfg.Pad
		shape[2] += 2 * cfg.Pad
	}
	return shape, classes, nil
}

// checkIDXHead reads only an idx file's header (through gzip when the file
// is gzipped) and checks its magic number and that it holds something.
func checkIDXHead(path string, magic uint32, ndim int) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	br := bufio.NewReader(f)
	var r io.Reader = br
	if head, _ := br.Peek(2); len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return fmt.Errorf("%s: bad gzip header: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	b := make([]byte, 4+4*ndim)
	n, _ := io.ReadFull(r, b)
	dims, _, err := idxHeader(path, b[:n], magic, ndim)
	if err != nil {
		return err
	}
	for _, d := range dims {
		if d == 0 {
			return fmt.Errorf("%s: empty: header dimensions %v", path, dims)
		}
	}
	return nil
}
