package data

import (
	"errors"
	"io/fs"
	"path/filepath"
	"testing"
)

func TestIDXRoundTrip(t *testing.T) {
	pix := []byte{0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255} // 2 images 2x3
	labels := []byte{7, 2}
	for _, gz := range []bool{false, true} {
		dir := t.TempDir()
		ip, lp := filepath.Join(dir, "img.idx"), filepath.Join(dir, "lab.idx")
		writeFile(t, ip, idxBytes(idxMagicImages, []uint32{2, 2, 3}, pix), gz)
		writeFile(t, lp, idxBytes(idxMagicLabels, []uint32{2}, labels), gz)

		img, err := readIDXImages(ip)
		if err != nil {
			t.Fatalf("gz=%v: %v", gz, err)
		}
		if img.N != 2 || img.Rows != 2 || img.Cols != 3 || string(img.Pix) != string(pix) {
			t.Errorf("gz=%v: got N=%d %dx%d pix=%v", gz, img.N, img.Rows, img.Cols, img.Pix)
		}
		y, err := readIDXLabels(lp, 10)
		if err != nil {
			t.Fatalf("gz=%v: %v", gz, err)
		}
		if len(y) != 2 || y[0] != 7 || y[1] != 2 {
			t.Errorf("gz=%v: labels %v", gz, y)
		}

		s, err := loadIDXPair(ip, lp, 0.5, 0.25)
		if err != nil {
			t.Fatalf("gz=%v: %v", gz, err)
		}
		if s.N != 2 || s.Shape != [3]int{1, 2, 3} || s.Dim() != 6 || s.Classes != 10 {
			t.Errorf("gz=%v: set N=%d shape=%v", gz, s.N, s.Shape)
		}
		// pixel 255 -> (1-0.5)/0.25 = 2; pixel 0 -> -2.
		if !near(s.X[11], 2) || !near(s.X[0], -2) {
			t.Errorf("gz=%v: normalised X[0]=%v X[11]=%v, want -2 and 2", gz, s.X[0], s.X[11])
		}
	}
}

func TestIDXErrors(t *testing.T) {
	dir := t.TempDir()
	path := func(n string) string { return filepath.Join(dir, n) }
	okImg := idxBytes(idxMagicImages, []uint32{2, 2, 2}, make([]byte, 8))
	okLab := idxBytes(idxMagicLabels, []uint32{2}, []byte{1, 2})

	writeFile(t, path("badmagic.idx"), idxBytes(idxMagicLabels, []uint32{2, 2, 2}, make([]byte, 8)), true)
	_, err := readIDXImages(path("badmagic.idx"))
	wantErr(t, err, "badmagic.idx", "magic", "0x00000803", "0x00000801")

	writeFile(t, path("shortimg.idx"), okImg[:len(okImg)-3], true)
	_, err = readIDXImages(path("shortimg.idx"))
	wantErr(t, err, "shortimg.idx", "truncated")

	writeFile(t, path("shorthdr.idx"), okImg[:10], false)
	_, err = readIDXImages(path("shorthdr.idx"))
	wantErr(t, err, "shorthdr.idx", "truncated")

	huge := idxBytes(idxMagicImages, []uint32{0xffffffff, 0xffff, 0xffff}, make([]byte, 8))
	writeFile(t, path("huge.idx"), huge, false)
	_, err = readIDXImages(path("huge.idx"))
	wantErr(t, err, "huge.idx", "truncated")

	writeFile(t, path("shortlab.idx"), okLab[:len(okLab)-1], false)
	_, err = readIDXLabels(path("shortlab.idx"), 10)
	wantErr(t, err, "shortlab.idx", "truncated")

	writeFile(t, path("range.idx"), idxBytes(idxMagicLabels, []uint32{2}, []byte{3, 10}), false)
	_, err = readIDXLabels(path("range.idx"), 10)
	wantErr(t, err, "range.idx", "out of range", "item 1")

	writeFile(t, path("img.idx"), okImg, false)
	writeFile(t, path("lab3.idx"), idxBytes(idxMagicLabels, []uint32{3}, []byte{1, 2, 3}), false)
	_, err = loadIDXPair(path("img.idx"), path("lab3.idx"), 0, 1)
	wantErr(t, err, "img.idx", "lab3.idx", "mismatch")

	_, err = readIDXImages(path("nothere.idx"))
	wantErr(t, err, "nothere.idx", "missing")
	if !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing file error %v is not fs.ErrNotExist", err)
	}

	writeFile(t, path("trail.idx"), append(append([]byte{}, okLab...), 0), false)
	_, err = readIDXLabels(path("trail.idx"), 10)
	wantErr(t, err, "trail.idx", "size mismatch")
}

func TestIDXTruncatedGzipStream(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "cut.gz")
	writeFile(t, p, idxBytes(idxMagicImages, []uint32{4, 8, 8}, make([]byte, 256)), true)
	b := mustRead(t, p)
	writeFile(t, p, b[:len(b)-12], false) // drop the gzip trailer and some data
	_, err := readIDXImages(p)
	wantErr(t, err, "cut.gz", "truncated")
}
