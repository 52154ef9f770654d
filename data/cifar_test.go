package data

import (
	"os"
	"path/filepath"
	"testing"
)

// cifarRecordBytes builds one record: the label, then every pixel of
// channel c set to base+c.
func cifarRecordBytes(label, base byte) []byte {
	r := make([]byte, cifarRecord)
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
	for b, name := range cifarTrainFiles {
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
	writeFile(t, filepath.Join(dir, cifarTestFiles[0]), test, false)
}

func TestCIFARLoad(t *testing.T) {
	for _, sub := range []string{"", cifarSubdir} {
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
	writeFile(t, bad, make([]byte, cifarRecord+100), false)
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
