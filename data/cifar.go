package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
)

const (
	cifarSide   = 32
	cifarPlane  = cifarSide * cifarSide
	cifarPixels = 3 * cifarPlane
)

// cifarFormat is one of the binary versions of CIFAR: records of label
// bytes, then the 3x32x32 pixels, channel after channel.
type cifarFormat struct {
	name        string
	subdir      string // the folder the archive unpacks to
	train, test []string
	labels      int // label bytes per record
	label       int // which of them is the class (CIFAR-100: the fine label)
	classes     int
	mean, std   []float64
}

// cifarFormats are the formats by dataset name.
var cifarFormats = map[string]*cifarFormat{CIFAR10: cifar10, CIFAR100: cifar100}

func (f *cifarFormat) record() int { return f.labels + cifarPixels }

var (
	cifar10 = &cifarFormat{name: "CIFAR-10", subdir: "cifar-10-batches-bin",
		train:  []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"},
		test:   []string{"test_batch.bin"},
		labels: 1, classes: 10, mean: cifarMean, std: cifarStd}
	cifar100 = &cifarFormat{name: "CIFAR-100", subdir: "cifar-100-binary",
		train: []string{"train.bin"}, test: []string{"test.bin"},
		labels: 2, label: 1, classes: 100, mean: cifar100Mean, std: cifar100Std}
)

// dir returns dir or its subfolder of the archive's name, whichever holds
// the first training file.
func (f *cifarFormat) dir(dir string) (string, error) {
	if dir == "" {
		return "", fmt.Errorf("data.dir is required: set it to the folder of the %s binary version "+
			"(%s, %s, or the %s folder holding them)", f.name, strings.Join(f.train, ", "), strings.Join(f.test, ", "), f.subdir)
	}
	if _, err := existingDir(dir, "data.dir"); err != nil {
		return "", err
	}
	sub := filepath.Join(dir, f.subdir)
	if _, err := os.Stat(filepath.Join(dir, f.train[0])); err != nil {
		if _, err := os.Stat(filepath.Join(sub, f.train[0])); err == nil {
			return sub, nil
		}
	}
	return dir, nil
}

// load reads the binary version from dir.
func (f *cifarFormat) load(dir string) (train, test *Set, err error) {
	d, err := f.dir(dir)
	if err != nil {
		return nil, nil, err
	}
	if train, err = f.loadFiles(d, f.train); err != nil {
		return nil, nil, err
	}
	if test, err = f.loadFiles(d, f.test); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// files are the training and test files.
func (f *cifarFormat) files() []string { return append(append([]string(nil), f.train...), f.test...) }

// records checks the size of a batch file and returns its record count.
func (f *cifarFormat) records(path string, size int64) (int, error) {
	if size == 0 {
		return 0, fmt.Errorf("%s: empty file, no %s records", path, f.name)
	}
	if size%int64(f.record()) != 0 {
		return 0, fmt.Errorf("%s: bad size %d bytes, not a multiple of the %d-byte %s record (truncated or not the binary version?)",
			path, size, f.record(), f.name)
	}
	return int(size / int64(f.record())), nil
}

// loadFiles reads the named batch files in dir into one Set.
func (f *cifarFormat) loadFiles(dir string, names []string) (*Set, error) {
	paths := make([]string, len(names))
	total := 0
	for i, name := range names {
		paths[i] = filepath.Join(dir, name)
		st, err := os.Stat(paths[i])
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("%s: file missing: %w", paths[i], fs.ErrNotExist)
			}
			return nil, err
		}
		n, err := f.records(paths[i], st.Size())
		if err != nil {
			return nil, err
		}
		total += n
	}
	s := &Set{
		X:       make([]float32, total*cifarPixels),
		Y:       make([]int32, total),
		N:       total,
		Shape:   [3]int{3, cifarSide, cifarSide},
		Classes: f.classes,
		Black:   black(f.mean, f.std),
	}
	luts := channelLUTs(f.mean, f.std)
	rl := f.record()
	row := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		n, err := f.records(p, int64(len(b)))
		if err != nil {
			return nil, err
		}
		if row+n > total {
			return nil, fmt.Errorf("%s changed size while loading", p)
		}
		for r := 0; r < n; r++ {
			rec := b[r*rl : (r+1)*rl]
			if int(rec[f.label]) >= f.classes {
				return nil, fmt.Errorf("%s: label out of range: record %d has label %d, want 0..%d",
					p, r, rec[f.label], f.classes-1)
			}
			s.Y[row] = int32(rec[f.label])
			normalizeInto(s.X[row*cifarPixels:(row+1)*cifarPixels], rec[f.labels:], luts, cifarPlane)
			row++
		}
	}
	if row != total {
		return nil, fmt.Errorf("files in %s changed size while loading", dir)
	}
	return s, nil
}
