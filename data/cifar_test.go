package data

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// cifarRecordBytes builds one record: the label, then every pixel of
// channel c set to base+c.
func cifarRecordBytes(label, base byte) []byte {
	r := make([]byte, cifar10.record())
	r[0] = label
	for c := 0; c < 3; c++ {
		for i := 0; i < cifarPlane; i++ {
			r[1+c*cifarPlane+i] = base + byte(c)
		}
	}
	return r
}

// writeCIFAR writes the five training batches (2 records each) and the
// test batch (3 records) into dir.
func writeCIFAR(t *testing.T, dir string) {
	t.Helper()
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	for b, name := range cifar10.train {
		var content []byte
		for r := 0; r < 2; r++ {
			content = append(content, cifarRecordBytes(byte(2*b+r)%10, byte(10*b+r))...)
		}
		writeFile(t, filepath.Join(dir, name), content, false)
	}
	var test []byte
	for r := 0; r < 3; r++ {
		test = append(test, cifarRecordBytes(byte(9-r), 255)...)
	}
	writeFile(t, filepath.Join(dir, cifar10.test[0]), test, false)
}

func TestCIFARLoad(t *testing.T) {
	for _, sub := range []string{"", cifar10.subdir} {
		root := t.TempDir()
		writeCIFAR(t, filepath.Join(root, sub))
		s, err := Load(Config{Dataset: "cifar10", Dir: root, Validation: 2, Seed: 3})
		if err != nil {
			t.Fatalf("sub=%q: %v", sub, err)
		}
		if s.Train.N != 8 || s.Val.N != 2 || s.Test.N != 3 {
			t.Fatalf("sub=%q: sizes %d/%d/%d", sub, s.Train.N, s.Val.N, s.Test.N)
		}
		if s.Train.Shape != [3]int{3, 32, 32} || s.Train.Dim() != 3072 || s.Test.Classes != 10 {
			t.Errorf("sub=%q: shape %v classes %d", sub, s.Train.Shape, s.Test.Classes)
		}
		if s.Test.Y[0] != 9 || s.Test.Y[1] != 8 || s.Test.Y[2] != 7 {
			t.Errorf("sub=%q: test labels %v", sub, s.Test.Y)
		}
		// Test pixels: R=255, G=0 (byte wrap), B=1.
		d := s.Test.Dim()
		wantR := float32((1 - 0.4914) / 0.2470)
		wantG := float32((0 - 0.4822) / 0.2435)
		wantB := float32((1.0/255 - 0.4465) / 0.2616)
		x := s.Test.X[2*d : 3*d]
		if !near(x[5], wantR) || !near(x[cifarPlane+5], wantG) || !near(x[2*cifarPlane+1023], wantB) {
			t.Errorf("sub=%q: pixels R=%v G=%v B=%v, want %v %v %v", sub, x[5], x[cifarPlane+5], x[2*cifarPlane+1023], wantR, wantG, wantB)
		}
		// Training rows keep label and pixels together: the record with
		// label L from batch b has base 10*b+r with L = 2*b+r.
		all := append(append([]int32{}, s.Train.Y...), s.Val.Y...)
		seen := map[int32]bool{}
		for _, y := range all {
			seen[y] = true
		}
		if len(seen) != 10 {
			t.Errorf("sub=%q: train+val labels %v, want each of 0..9 once", sub, all)
		}
		for r := 0; r < s.Train.N; r++ {
			y := int(s.Train.Y[r])
			base := 10*(y/2) + y%2
			want := float32((float64(base)/255 - 0.4914) / 0.2470)
			if got := s.Train.X[r*d]; !near(got, want) {
				t.Errorf("sub=%q: train row %d label %d pixel %v, want %v", sub, r, y, got, want)
			}
		}
	}
}

func TestCIFARErrors(t *testing.T) {
	dir := t.TempDir()
	writeCIFAR(t, dir)
	bad := filepath.Join(dir, "data_batch_3.bin")
	writeFile(t, bad, make([]byte, cifar10.record()+100), false)
	_, err := Load(Config{Dataset: "cifar10", Dir: dir, Validation: 1})
	wantErr(t, err, "data_batch_3.bin", "multiple of")

	writeFile(t, bad, cifarRecordBytes(10, 0), false)
	_, err = Load(Config{Dataset: "cifar10", Dir: dir, Validation: 1})
	wantErr(t, err, "data_batch_3.bin", "label out of range")

	if err := os.Remove(bad); err != nil {
		t.Fatal(err)
	}
	_, err = Load(Config{Dataset: "cifar10", Dir: dir, Validation: 1})
	wantErr(t, err, "data_batch_3.bin", "missing")

	_, err = Load(Config{Dataset: "cifar10", Dir: filepath.Join(dir, "nope"), Validation: 1})
	wantErr(t, err, "nope")
}

// CIFAR-100's binary version: two label bytes (coarse, fine), the fine one
// is the class; tested on generated train.bin / test.bin.
func TestCIFAR100Load(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, cifar100.subdir)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	rec := func(coarse, fine, pix byte) []byte {
		r := make([]byte, cifar100.record())
		r[0], r[1] = coarse, fine
		for i := 2; i < len(r); i++ {
			r[i] = pix
		}
		return r
	}
	var train, test []byte
	for i := 0; i < 12; i++ {
		train = append(train, rec(byte(i%20), byte(90+i%10), byte(i))...)
	}
	test = append(append(test, rec(19, 99, 255)...), rec(0, 0, 0)...)
	writeFile(t, filepath.Join(dir, "train.bin"), train, false)
	writeFile(t, filepath.Join(dir, "test.bin"), test, false)
	cfg := Config{Dataset: "cifar-100", Dir: root, Validation: 2, Seed: 1}
	if err := Check(cfg); err != nil {
		t.Fatal(err)
	}
	s, err := Load(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if s.Train.N != 10 || s.Test.N != 2 || s.Test.Classes != 100 || s.Test.Y[0] != 99 || s.Test.Y[1] != 0 {
		t.Fatalf("sizes %d/%d, classes %d, test labels %v", s.Train.N, s.Test.N, s.Test.Classes, s.Test.Y)
	}
	if want := float32((1 - 0.5071) / 0.2673); !near(s.Test.X[0], want) {
		t.Errorf("pixel %v, want %v (CIFAR-100's statistics)", s.Test.X[0], want)
	}
	if shape, classes, err := Shape(cfg); err != nil || classes != 100 || shape != [3]int{3, 32, 32} {
		t.Errorf("Shape: %v %d %v", shape, classes, err)
	}
	writeFile(t, filepath.Join(dir, "test.bin"), append(test, 1), false)
	if err := Check(cfg); err == nil || !strings.Contains(err.Error(), "not a multiple of the 3074-byte CIFAR-100 record") {
		t.Errorf("truncated: %v", err)
	}
	writeFile(t, filepath.Join(dir, "test.bin"), rec(0, 100, 0), false)
	if _, err := Load(cfg); err == nil || !strings.Contains(err.Error(), "label out of range") {
		t.Errorf("label 100: %v", err)
	}
}
