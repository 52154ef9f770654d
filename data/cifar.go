package data

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

const (
	cifarSide    = 32
	cifarPlane   = cifarSide * cifarSide
	cifarPixels  = 3 * cifarPlane
	cifarRecord  = 1 + cifarPixels
	cifarClasses = 10
	cifarSubdir  = "cifar-10-batches-bin"
)

var (
	cifarTrainFiles = []string{"data_batch_1.bin", "data_batch_2.bin", "data_batch_3.bin", "data_batch_4.bin", "data_batch_5.bin"}
	cifarTestFiles  = []string{"test_batch.bin"}
)

// findCIFARDir returns dir or its cifar-10-batches-bin subfolder,
// whichever holds the first training batch.
func findCIFARDir(dir string) (string, error) {
	if dir == "" {
		return "", errors.New("data.dir is required: set it to the folder of the CIFAR-10 binary version " +
			"(data_batch_1.bin … data_batch_5.bin, test_batch.bin, or the cifar-10-batches-bin folder holding them)")
	}
	if _, err := existingDir(dir, "data.dir"); err != nil {
		return "", err
	}
	sub := filepath.Join(dir, cifarSubdir)
	if _, err := os.Stat(filepath.Join(dir, cifarTrainFiles[0])); err != nil {
		if _, err := os.Stat(filepath.Join(sub, cifarTrainFiles[0])); err == nil {
			return sub, nil
		}
	}
	return dir, nil
}

// loadCIFAR10 loads the CIFAR-10 binary version from dir.
func loadCIFAR10(dir string) (train, test *Set, err error) {
	d, err := findCIFARDir(dir)
	if err != nil {
		return nil, nil, err
	}
	if train, err = loadCIFARFiles(d, cifarTrainFiles); err != nil {
		return nil, nil, err
	}
	if test, err = loadCIFARFiles(d, cifarTestFiles); err != nil {
		return nil, nil, err
	}
	return train, test, nil
}

// cifarRecords checks the size of a batch file and returns its record count.
func cifarRecords(path string, size int64) (int, error) {
	if size == 0 {
		return 0, fmt.Errorf("%s: empty file, no CIFAR-10 records", path)
	}
	if size%cifarRecord != 0 {
		return 0, fmt.Errorf("%s: bad size %d bytes, not a multiple of the %d-byte CIFAR-10 record (truncated or not the binary version?)",
			path, size, cifarRecord)
	}
	return int(size / cifarRecord), nil
}

// loadCIFARFiles reads the named batch files in dir into one Set.
func loadCIFARFiles(dir string, names []string) (*Set, error) {
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
		n, err := cifarRecords(paths[i], st.Size())
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
		Classes: cifarClasses,
		Black:   black(cifarMean, cifarStd),
	}
	luts := channelLUTs(cifarMean, cifarStd)
	row := 0
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", p, err)
		}
		n, err := cifarRecords(p, int64(len(b)))
		if err != nil {
			return nil, err
		}
		if row+n > total {
			return nil, fmt.Errorf("%s changed size while loading", p)
		}
		for r := 0; r < n; r++ {
			rec := b[r*cifarRecord : (r+1)*cifarRecord]
			if int(rec[0]) >= cifarClasses {
				return nil, fmt.Errorf("%s: label out of range: record %d has label %d, want 0..%d",
					p, r, rec[0], cifarClasses-1)
			}
			s.Y[row] = int32(rec[0])
			normalizeInto(s.X[row*cifarPixels:(row+1)*cifarPixels], rec[1:], luts, cifarPlane)
			row++
		}
	}
	if row != total {
		return nil, fmt.Errorf("files in %s changed size while loading", dir)
	}
	return s, nil
}
