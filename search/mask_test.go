package search

import (
	"encoding/json"
	"fmt"
	"math/rand"
	"testing"
)

func TestMaskBasics(t *testing.T) {
	m := NewMask(130)
	if len(m.Bits) != 3 || m.N != 130 || m.Count() != 0 {
		t.Fatalf("NewMask(130) = %d words, N %d, count %d", len(m.Bits), m.N, m.Count())
	}
	for _, i := range []int{0, 63, 64, 129} {
		m.Set(i, true)
	}
	m.Set(-1, true) // out of range: ignored, no panic
	m.Set(130, true)
	if m.Count() != 4 || !m.Get(63) || !m.Get(129) || m.Get(1) || m.Get(130) || m.Get(-5) {
		t.Fatalf("after sets: count %d, bits %x", m.Count(), m.Bits)
	}
	m.Set(63, false)
	if m.Get(63) || m.Count() != 3 {
		t.Fatalf("clearing 63 failed: %x", m.Bits)
	}
	c := m.Clone()
	c.Set(5, true)
	if m.Get(5) || !c.Get(5) || m.Equal(c) {
		t.Fatal("clone shares bits with the original")
	}
	c.Set(5, false)
	if !m.Equal(c) {
		t.Fatal("equal masks compare unequal")
	}
	if got := m.Density(); got != 3.0/130 {
		t.Fatalf("density %v", got)
	}
	if NewMask(-3).N != 0 {
		t.Fatal("negative size not clamped")
	}
}

func TestMaskHashStable(t *testing.T) {
	m := NewMask(100)
	for _, i := range []int{1, 2, 3, 64, 99} {
		m.Set(i, true)
	}
	// Pinned: checkpoints key their fitness cache by this value, so it must
	// not change between runs or releases. (Checked against an independent
	// FNV-1a over the little-endian bytes of N and the words.)
	const want = uint64(0xef3dcc05065bea86)
	if got := m.Hash(); got != want {
		t.Fatalf("hash %#x, want %#x", got, want)
	}
	o := m.Clone()
	o.Set(50, true)
	if o.Hash() == m.Hash() {
		t.Fatal("different bits, same hash")
	}
	if NewMask(64).Hash() == NewMask(65).Hash() {
		t.Fatal("different sizes, same hash")
	}
}

func TestMaskJSONRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewSource(1))
	for _, n := range []int{0, 1, 63, 64, 65, 1000, 30000} {
		m := randomBits(n, 0.3, rng)
		data, err := json.Marshal(m)
		if err != nil {
			t.Fatal(err)
		}
		var back Mask
		if err := json.Unmarshal(data, &back); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !back.Equal(m) || back.Hash() != m.Hash() {
			t.Fatalf("n=%d: round trip changed the mask", n)
		}
		if n == 30000 && len(data) > 30000/6+64 {
			t.Fatalf("encoding of %d slots takes %d bytes", n, len(data))
		}
	}
	for _, bad := range []string{
		`{"n":3,"words":"/////////w=="}`,  // bits past slot 3
		`{"n":65,"words":"AAAAAAAAAAA="}`, // one word for 65 slots
		`{"n":-1,"words":""}`,
		`{"n":1,"words":"***"}`,
		`[1,2]`,
	} {
		var m Mask
		if err := json.Unmarshal([]byte(bad), &m); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func TestCountRangeAndNth(t *testing.T) {
	rng := rand.New(rand.NewSource(2))
	m := randomBits(500, 0.4, rng)
	for trial := 0; trial < 2000; trial++ {
		lo := rng.Intn(500)
		hi := lo + rng.Intn(500-lo+1)
		var kept, dropped []int
		for i := lo; i < hi; i++ {
			if m.Get(i) {
				kept = append(kept, i)
			} else {
				dropped = append(dropped, i)
			}
		}
		if got := m.countRange(lo, hi); got != len(kept) {
			t.Fatalf("countRange(%d,%d) = %d, want %d", lo, hi, got, len(kept))
		}
		for r, want := range kept {
			if got := m.nth(lo, hi, true, r); got != want {
				t.Fatalf("nth kept (%d,%d,%d) = %d, want %d", lo, hi, r, got, want)
			}
		}
		for r, want := range dropped {
			if got := m.nth(lo, hi, false, r); got != want {
				t.Fatalf("nth dropped (%d,%d,%d) = %d, want %d", lo, hi, r, got, want)
			}
		}
		if m.nth(lo, hi, true, len(kept)) != -1 {
			t.Fatal("nth past the end did not return -1")
		}
	}
}

func TestAppendKeptMatchesGet(t *testing.T) {
	rng := rand.New(rand.NewSource(3))
	m := NewMask(300)
	for i := 0; i < 300; i++ {
		m.Set(i, rng.Intn(3) == 0)
	}
	for _, r := range [][2]int{{0, 300}, {5, 64}, {63, 65}, {64, 128}, {70, 71}, {100, 299}, {128, 300}, {10, 10}} {
		var want []int32
		for i := r[0]; i < r[1]; i++ {
			if m.Get(i) {
				want = append(want, int32(i-r[0]))
			}
		}
		got := m.AppendKept(nil, r[0], r[1])
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("range %v: got %v, want %v", r, got, want)
		}
	}
}
