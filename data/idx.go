package data

import (
	"bufio"
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

const (
	idxMagicImages = 0x00000803 // unsigned bytes, 3 dimensions
	idxMagicLabels = 0x00000801 // unsigned bytes, 1 dimension
)

// idxImages is the content of an idx3 file: N images of Rows x Cols bytes.
type idxImages struct {
	N, Rows, Cols int
	Pix           []byte // N*Rows*Cols bytes, row-major
}

// readMaybeGzip returns the whole content of path, gunzipped when the file
// starts with the gzip header 0x1f 0x8b (whatever its name).
func readMaybeGzip(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("%s: file missing: %w", path, fs.ErrNotExist)
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	defer f.Close()
	br := bufio.NewReaderSize(f, 64<<10)
	head, _ := br.Peek(2)
	var r io.Reader = br
	if len(head) == 2 && head[0] == 0x1f && head[1] == 0x8b {
		zr, err := gzip.NewReader(br)
		if err != nil {
			return nil, fmt.Errorf("%s: bad gzip header: %w", path, err)
		}
		defer zr.Close()
		r = zr
	}
	b, err := io.ReadAll(r)
	if err != nil {
		if errors.Is(err, io.ErrUnexpectedEOF) {
			return nil, fmt.Errorf("%s: truncated gzip stream: %w", path, err)
		}
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return b, nil
}

// idxHeader checks the magic number and returns the dimensions that
// follow it and the remaining payload.
func idxHeader(path string, b []byte, magic uint32, ndim int) ([]int, []byte, error) {
	hdr := 4 + 4*ndim
	if len(b) < 4 {
		return nil, nil, fmt.Errorf("%s: truncated: %d bytes, too short for an idx magic number", path, len(b))
	}
	if got := binary.BigEndian.Uint32(b); got != magic {
		return nil, nil, fmt.Errorf("%s: wrong magic number: expected 0x%08x, got 0x%08x", path, magic, got)
	}
	if len(b) < hdr {
		return nil, nil, fmt.Errorf("%s: truncated header: %d bytes, need %d", path, len(b), hdr)
	}
	dims := make([]int, ndim)
	for i := range dims {
		dims[i] = int(binary.BigEndian.Uint32(b[4+4*i:]))
	}
	return dims, b[hdr:], nil
}

// checkPayload verifies that payload holds exactly n items of size bytes
// (size >= 1), without overflowing on absurd headers.
func checkPayload(path, what string, payload []byte, n, size int) error {
	have := uint64(len(payload))
	if uint64(n) > have/uint64(size) {
		return fmt.Errorf("%s: truncated: header says %d %s of %d bytes each but only %d bytes follow", path, n, what, size, have)
	}
	if want := uint64(n) * uint64(size); have != want {
		return fmt.Errorf("%s: size mismatch: header says %d %s (%d bytes) but %d bytes follow", path, n, what, want, have)
	}
	return nil
}

// readIDXImages reads an idx3 image file, gzipped or plain.
func readIDXImages(path string) (*idxImages, error) {
	b, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	dims, payload, err := idxHeader(path, b, idxMagicImages, 3)
	if err != nil {
		return nil, err
	}
	n, rows, cols := dims[0], dims[1], dims[2]
	if rows == 0 || cols == 0 {
		return nil, fmt.Errorf("%s: bad image size %dx%d", path, rows, cols)
	}
	if n > 0 && uint64(rows)*uint64(cols) > uint64(len(payload)) {
		return nil, fmt.Errorf("%s: truncated: header says %d images of %dx%d but only %d bytes follow", path, n, rows, cols, len(payload))
	}
	size := rows * cols
	if n == 0 {
		size = 1 // nothing to read; only trailing bytes matter
	}
	if err := checkPayload(path, "images", payload, n, size); err != nil {
		return nil, err
	}
	return &idxImages{N: n, Rows: rows, Cols: cols, Pix: payload}, nil
}

// readIDXLabels reads an idx1 label file, gzipped or plain, and checks
// that every label lies in [0, classes).
func readIDXLabels(path string, classes int) ([]int32, error) {
	b, err := readMaybeGzip(path)
	if err != nil {
		return nil, err
	}
	dims, payload, err := idxHeader(path, b, idxMagicLabels, 1)
	if err != nil {
		return nil, err
	}
	n := dims[0]
	if err := checkPayload(path, "labels", payload, n, 1); err != nil {
		return nil, err
	}
	y := make([]int32, n)
	for i, v := range payload {
		if int(v) >= classes {
			return nil, fmt.Errorf("%s: label out of range: item %d has label %d, want 0..%d", path, i, v, classes-1)
		}
		y[i] = int32(v)
	}
	return y, nil
}
