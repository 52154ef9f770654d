package data

import (
	"fmt"
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
	case CIFAR10:
		dir, err = findCIFARDir(cfg.Dir)
		files = append(append([]string(nil), cifarTrainFiles...), cifarTestFiles...)
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
		if name == CIFAR10 {
			if _, err := cifarRecords(path, st.Size()); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
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
	switch name {
	case MNIST, FashionMNIST:
		return [3]int{1, 28, 28}, 10, nil
	case CIFAR10:
		return [3]int{3, 32, 32}, 10, nil
	}
	_, classes, shape, err := syntheticParams(cfg)
	return shape, classes, err
}
