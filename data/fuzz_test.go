package data

import (
	"bytes"
	"compress/gzip"
	"encoding/binary"
	"io"
	"maps"
	"math/bits"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// The fuzz targets hold the dataset readers to "no input ever crashes":
// every failure is an ordinary error naming the file, a reader allocates
// about as much as the file's content (a forged header cannot make it
// allocate gigabytes), it accepts exactly the well-formed files, and what
// it accepts round-trips. The committed corpus under testdata/fuzz is
// fuzzSeeds; rewrite it with
//
//	EVOPRUNE_UPDATE_FUZZ_CORPUS=1 go test ./data -run TestFuzzCorpusFiles

// fuzzAllocSlack covers the reader's fixed costs (the 1 MiB read buffer,
// gzip state) on top of a small multiple of the content size.
const fuzzAllocSlack = 8 << 20

// gz returns b gzipped.
func gz(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, _ = zw.Write(b)
	_ = zw.Close()
	return buf.Bytes()
}

// fileContent is what readMaybeGzip should see in b: b itself, or its
// gunzipped content (with the error that ends it) when b starts like gzip.
func fileContent(b []byte) ([]byte, bool, error) {
	if len(b) < 2 || b[0] != 0x1f || b[1] != 0x8b {
		return b, false, nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return nil, true, err
	}
	c, err := io.ReadAll(zr)
	return c, true, err
}

// measure calls f and fails t if it allocated more than limit bytes.
func measure(t *testing.T, limit uint64, f func()) {
	t.Helper()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	f()
	runtime.ReadMemStats(&after)
	if got := after.TotalAlloc - before.TotalAlloc; got > limit {
		t.Fatalf("allocated %d bytes, more than %d for this input", got, limit)
	}
}

// writeFuzzFile writes b to a fresh temporary file and returns its path.
func writeFuzzFile(t *testing.T, name string, b []byte) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// checkFuzzErr fails t unless err is an error naming path.
func checkFuzzErr(t *testing.T, err error, path string) {
	t.Helper()
	if err == nil {
		t.Fatal("no error")
	}
	if !strings.Contains(err.Error(), path) {
		t.Fatalf("error %q does not name the file %s", err, path)
	}
}

// checkRejected checks a reader's refusal: the error names the file, no
// result comes with it, and the input was indeed malformed.
func checkRejected(t *testing.T, err error, path string, wellFormed, result bool, what string) {
	t.Helper()
	checkFuzzErr(t, err, path)
	if result {
		t.Fatalf("%s returned with an error", what)
	}
	if wellFormed {
		t.Fatalf("well-formed file rejected: %v", err)
	}
}

// addSeeds adds seeds in name order, so that seed#N is the same every run.
func addSeeds(f *testing.F, seeds map[string][]byte) {
	for _, name := range slices.Sorted(maps.Keys(seeds)) {
		f.Add(seeds[name])
	}
}

// idxImagesSeeds and the other seed functions give the fuzz targets'
// seeds by name; the names are the committed corpus file names.
func idxImagesSeeds() map[string][]byte {
	pix := []byte{0, 1, 2, 3, 10, 11, 12, 13, 250, 251, 252, 255} // 3 images 2x2
	valid := idxBytes(idxMagicImages, []uint32{3, 2, 2}, pix)
	return map[string][]byte{
		"valid_3x2x2":          valid,
		"valid_gzip":           gz(valid),
		"valid_no_images":      idxBytes(idxMagicImages, []uint32{0, 28, 28}, nil),
		"truncated_payload":    valid[:len(valid)-1],
		"truncated_header":     valid[:10],
		"truncated_gzip":       gz(valid)[:20],
		"trailing_byte":        append(append([]byte(nil), valid...), 0),
		"forged_count":         idxBytes(idxMagicImages, []uint32{0x7fffffff, 2, 2}, pix),
		"forged_size":          idxBytes(idxMagicImages, []uint32{3, 0xffffffff, 0xffffffff}, pix),
		"forged_count_gzip":    gz(idxBytes(idxMagicImages, []uint32{0xffffffff, 28, 28}, pix)),
		"zero_rows":            idxBytes(idxMagicImages, []uint32{3, 0, 4}, pix),
		"label_magic":          idxBytes(idxMagicLabels, []uint32{3, 2, 2}, pix),
		"empty":                {},
		"gzip_magic_only":      {0x1f, 0x8b},
		"size_product_wraps64": idxBytes(idxMagicImages, []uint32{0x80000000, 0x80000000, 4}, nil),
	}
}

func idxLabelsSeeds() map[string][]byte {
	valid := idxBytes(idxMagicLabels, []uint32{4}, []byte{0, 9, 3, 7})
	return map[string][]byte{
		"valid_4":           valid,
		"valid_gzip":        gz(valid),
		"valid_no_labels":   idxBytes(idxMagicLabels, []uint32{0}, nil),
		"truncated_payload": valid[:len(valid)-1],
		"truncated_header":  valid[:6],
		"truncated_gzip":    gz(valid)[:15],
		"trailing_byte":     append(append([]byte(nil), valid...), 1),
		"label_10":          idxBytes(idxMagicLabels, []uint32{2}, []byte{1, 10}),
		"label_255":         idxBytes(idxMagicLabels, []uint32{1}, []byte{255}),
		"forged_count":      idxBytes(idxMagicLabels, []uint32{0x7fffffff}, []byte{1, 2}),
		"forged_count_max":  gz(idxBytes(idxMagicLabels, []uint32{0xffffffff}, []byte{1, 2})),
		"image_magic":       idxBytes(idxMagicImages, []uint32{4}, []byte{0, 9, 3, 7}),
		"empty":             {},
	}
}

func cifarSeeds() map[string][]byte {
	one := cifarRecordBytes(3, 100)
	two := append(cifarRecordBytes(0, 0), cifarRecordBytes(9, 250)...)
	bad := append(cifarRecordBytes(1, 5), cifarRecordBytes(10, 5)...)
	return map[string][]byte{
		"valid_1":         one,
		"valid_2":         two,
		"truncated":       one[:cifar10.record()-1],
		"extra_byte":      append(append([]byte(nil), one...), 7),
		"label_10":        bad,
		"label_255":       cifarRecordBytes(255, 0),
		"empty":           {},
		"label_byte_only": {4},
	}
}

func FuzzIDXImages(f *testing.F) {
	addSeeds(f, idxImagesSeeds())
	f.Fuzz(func(t *testing.T, b []byte) {
		path := writeFuzzFile(t, "images.idx", b)
		content, gzipped, cerr := fileContent(b)
		var img *idxImages
		var err error
		measure(t, fuzzAllocSlack+8*uint64(len(content)), func() { img, err = readIDXImages(path) })

		// Reference: a well-formed idx3 file is the magic, three
		// dimensions, rows and cols positive, then exactly n*rows*cols bytes.
		wellFormed := cerr == nil && len(content) >= 16 && binary.BigEndian.Uint32(content) == idxMagicImages
		if wellFormed {
			n, rows, cols := binary.BigEndian.Uint32(content[4:]), binary.BigEndian.Uint32(content[8:]), binary.BigEndian.Uint32(content[12:])
			hi, lo := bits.Mul64(uint64(n), uint64(rows)*uint64(cols))
			wellFormed = rows > 0 && cols > 0 && hi == 0 && lo == uint64(len(content)-16)
		}
		if err != nil {
			checkRejected(t, err, path, wellFormed, img != nil, "images")
			return
		}
		if !wellFormed {
			t.Fatalf("malformed file accepted (gzip error %v): N=%d %dx%d, %d bytes", cerr, img.N, img.Rows, img.Cols, len(img.Pix))
		}
		if img.N < 0 || img.Rows <= 0 || img.Cols <= 0 || img.N*img.Rows*img.Cols != len(img.Pix) {
			t.Fatalf("inconsistent images: N=%d %dx%d with %d bytes", img.N, img.Rows, img.Cols, len(img.Pix))
		}
		// Round trip: the images written back are the file's content.
		again := idxBytes(idxMagicImages, []uint32{uint32(img.N), uint32(img.Rows), uint32(img.Cols)}, img.Pix)
		if !bytes.Equal(again, content) {
			t.Fatalf("re-encoded images differ from the content (gzip %v)", gzipped)
		}
		img2, err := readIDXImages(writeFuzzFile(t, "again.idx", again))
		if err != nil || img2.N != img.N || img2.Rows != img.Rows || img2.Cols != img.Cols || !bytes.Equal(img2.Pix, img.Pix) {
			t.Fatalf("re-read of the re-encoded images: %v", err)
		}
	})
}

func FuzzIDXLabels(f *testing.F) {
	addSeeds(f, idxLabelsSeeds())
	const classes = 10
	f.Fuzz(func(t *testing.T, b []byte) {
		path := writeFuzzFile(t, "labels.idx", b)
		content, gzipped, cerr := fileContent(b)
		var y []int32
		var err error
		measure(t, fuzzAllocSlack+16*uint64(len(content)), func() { y, err = readIDXLabels(path, classes) })

		wellFormed := cerr == nil && len(content) >= 8 && binary.BigEndian.Uint32(content) == idxMagicLabels &&
			uint64(binary.BigEndian.Uint32(content[4:])) == uint64(len(content)-8)
		if wellFormed {
			for _, v := range content[8:] {
				wellFormed = wellFormed && v < classes
			}
		}
		if err != nil {
			checkRejected(t, err, path, wellFormed, y != nil, "labels")
			return
		}
		if !wellFormed {
			t.Fatalf("malformed file accepted (gzip error %v): %d labels", cerr, len(y))
		}
		payload := make([]byte, len(y))
		for i, v := range y {
			if v < 0 || v >= classes {
				t.Fatalf("label %d is %d, outside [0, %d)", i, v, classes)
			}
			payload[i] = byte(v)
		}
		if again := idxBytes(idxMagicLabels, []uint32{uint32(len(y))}, payload); !bytes.Equal(again, content) {
			t.Fatalf("re-encoded labels differ from the content (gzip %v)", gzipped)
		}
	})
}

// FuzzCIFAR fuzzes the reader of CIFAR-10 batch files with a single batch.
func FuzzCIFAR(f *testing.F) {
	addSeeds(f, cifarSeeds())
	f.Fuzz(func(t *testing.T, b []byte) {
		dir := t.TempDir()
		path := filepath.Join(dir, cifar10.train[0])
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		var s *Set
		var err error
		measure(t, fuzzAllocSlack+8*uint64(len(b)), func() { s, err = cifar10.loadFiles(dir, cifar10.train[:1]) })

		n := len(b) / cifar10.record()
		badLabel := -1
		for r := 0; r < n && badLabel < 0; r++ {
			if int(b[r*cifar10.record()]) >= cifar10.classes {
				badLabel = r
			}
		}
		switch {
		case len(b) == 0:
			checkFuzzErr(t, err, path)
			wantErr(t, err, "empty")
			return
		case len(b)%cifar10.record() != 0:
			checkFuzzErr(t, err, path)
			wantErr(t, err, "bad size", strconv.Itoa(len(b)), "not a multiple")
			return
		case badLabel >= 0:
			checkFuzzErr(t, err, path)
			wantErr(t, err, "label out of range", "record "+strconv.Itoa(badLabel)+" ")
			return
		case err != nil:
			t.Fatalf("well-formed batch of %d records rejected: %v", n, err)
		}
		if s.N != n || len(s.Y) != n || len(s.X) != n*cifarPixels || s.Shape != [3]int{3, cifarSide, cifarSide} || s.Classes != cifar10.classes {
			t.Fatalf("set N=%d with %d labels, %d values, shape %v, %d classes for %d records",
				s.N, len(s.Y), len(s.X), s.Shape, s.Classes, n)
		}
		for r := 0; r < n; r++ {
			rec := b[r*cifar10.record() : (r+1)*cifar10.record()]
			if s.Y[r] != int32(rec[0]) {
				t.Fatalf("record %d: label %d, file says %d", r, s.Y[r], rec[0])
			}
			for i, v := range rec[1:] {
				c := i / cifarPlane
				if got, want := s.X[r*cifarPixels+i], float32((float64(v)/255-cifarMean[c])/cifarStd[c]); got != want {
					t.Fatalf("record %d value %d: %v, want %v for byte %d", r, i, got, want, v)
				}
			}
		}
	})
}

// committedSeeds names the seeds that are also committed as corpus files:
// the edge cases, so that a bare "go test -fuzz" run starts from them.
var committedSeeds = map[string][]string{
	"FuzzIDXImages": {"valid_3x2x2", "valid_gzip", "truncated_payload", "forged_count", "forged_count_gzip", "size_product_wraps64"},
	"FuzzIDXLabels": {"valid_4", "valid_gzip", "truncated_gzip", "forged_count", "label_10"},
	"FuzzCIFAR":     {"valid_1", "truncated", "label_10", "label_byte_only"},
}

// TestFuzzCorpusFiles checks that the committed seed corpus matches the seed
// functions and, with EVOPRUNE_UPDATE_FUZZ_CORPUS=1, rewrites it.
func TestFuzzCorpusFiles(t *testing.T) {
	seeds := map[string]map[string][]byte{
		"FuzzIDXImages": idxImagesSeeds(),
		"FuzzIDXLabels": idxLabelsSeeds(),
		"FuzzCIFAR":     cifarSeeds(),
	}
	update := os.Getenv("EVOPRUNE_UPDATE_FUZZ_CORPUS") != ""
	for target, names := range committedSeeds {
		dir := filepath.Join("testdata", "fuzz", target)
		if update {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				t.Fatal(err)
			}
		}
		for _, name := range names {
			b, ok := seeds[target][name]
			if !ok {
				t.Fatalf("%s has no seed %s", target, name)
			}
			want := []byte("go test fuzz v1\n[]byte(" + strconv.Quote(string(b)) + ")\n")
			path := filepath.Join(dir, name)
			if update {
				if err := os.WriteFile(path, want, 0o644); err != nil {
					t.Fatal(err)
				}
				continue
			}
			body, _ := strings.CutPrefix(string(mustRead(t, path)), "go test fuzz v1\n[]byte(")
			body, _ = strings.CutSuffix(body, ")\n")
			got, err := strconv.Unquote(body)
			if err != nil {
				t.Fatalf("%s: not a corpus file of one []byte: %v", path, err)
			}
			// Compare gzip seeds by content: another Go release may
			// compress differently.
			gotC, _, err1 := fileContent([]byte(got))
			wantC, _, err2 := fileContent(b)
			if !bytes.Equal(gotC, wantC) || (err1 == nil) != (err2 == nil) {
				t.Errorf("%s is stale: rewrite the corpus (see FuzzIDXImages)", path)
			}
		}
	}
}
