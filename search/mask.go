package search

import (
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"math/bits"
)

// Mask is a bitset over N slots; bit i set means slot i is kept.
// Bits beyond N in the last word are always zero, so Count, Hash and equality
// can work a word at a time.
type Mask struct {
	Bits []uint64
	N    int
}

// NewMask returns a mask of n slots, all dropped. A negative n gives an empty
// mask.
func NewMask(n int) Mask {
	n = max(n, 0)
	return Mask{Bits: make([]uint64, (n+63)/64), N: n}
}

// Get reports whether slot i is kept; slots outside [0, N) read as dropped.
func (m Mask) Get(i int) bool {
	if i < 0 || i >= m.N {
		return false
	}
	return m.Bits[i>>6]&(1<<(uint(i)&63)) != 0
}

// Set keeps (v) or drops slot i. Slots outside [0, N) are ignored rather than
// growing the mask, which would break the invariant that N is fixed.
func (m *Mask) Set(i int, v bool) {
	if i < 0 || i >= m.N {
		return
	}
	if v {
		m.Bits[i>>6] |= 1 << (uint(i) & 63)
	} else {
		m.Bits[i>>6] &^= 1 << (uint(i) & 63)
	}
}

// flip toggles slot i, which the caller guarantees to be in range.
func (m *Mask) flip(i int) { m.Bits[i>>6] ^= 1 << (uint(i) & 63) }

// Count returns the number of kept slots.
func (m Mask) Count() int {
	c := 0
	for _, w := range m.Bits {
		c += bits.OnesCount64(w)
	}
	return c
}

// AppendKept appends i-lo for every kept slot i in [lo, hi), in order, a
// word at a time.
func (m Mask) AppendKept(dst []int32, lo, hi int) []int32 {
	lo, hi = max(lo, 0), min(hi, m.N)
	for w := lo >> 6; w<<6 < hi; w++ {
		b := m.Bits[w]
		if w<<6 < lo {
			b &= ^uint64(0) << (uint(lo) & 63)
		}
		if (w+1)<<6 > hi {
			b &= 1<<(uint(hi)&63) - 1
		}
		for b != 0 {
			i := w<<6 + bits.TrailingZeros64(b)
			dst = append(dst, int32(i-lo))
			b &= b - 1
		}
	}
	return dst
}

// Density returns the kept fraction, 0 for an empty mask.
func (m Mask) Density() float64 {
	if m.N == 0 {
		return 0
	}
	return float64(m.Count()) / float64(m.N)
}

// Clone returns a deep copy.
func (m Mask) Clone() Mask {
	return Mask{Bits: append([]uint64(nil), m.Bits...), N: m.N}
}

// Equal reports whether both masks have the same size and bits.
func (m Mask) Equal(o Mask) bool {
	if m.N != o.N || len(m.Bits) != len(o.Bits) {
		return false
	}
	for i, w := range m.Bits {
		if o.Bits[i] != w {
			return false
		}
	}
	return true
}

// Hash returns a 64-bit FNV-1a hash of N and the words (little-endian). It is
// stable across runs and platforms, so it can key the fitness cache stored in
// checkpoints.
func (m Mask) Hash() uint64 {
	const (
		offset = 14695981039346656037
		prime  = 1099511628211
	)
	h := uint64(offset)
	mix := func(w uint64) {
		for k := 0; k < 8; k++ {
			h ^= w & 0xff
			h *= prime
			w >>= 8
		}
	}
	mix(uint64(m.N))
	for _, w := range m.Bits {
		mix(w)
	}
	return h
}

// maskJSON is the wire form: the words as little-endian bytes in base64, which
// is about 1.4 bits per slot — compact enough for weight-level masks.
type maskJSON struct {
	N     int    `json:"n"`
	Words string `json:"words"`
}

// MarshalJSON encodes the mask as {"n": N, "words": base64}.
func (m Mask) MarshalJSON() ([]byte, error) {
	raw := make([]byte, 8*len(m.Bits))
	for i, w := range m.Bits {
		binary.LittleEndian.PutUint64(raw[8*i:], w)
	}
	return json.Marshal(maskJSON{N: m.N, Words: base64.StdEncoding.EncodeToString(raw)})
}

// UnmarshalJSON decodes the form written by MarshalJSON and rejects sizes or
// stray bits that would break the mask invariants.
func (m *Mask) UnmarshalJSON(data []byte) error {
	var w maskJSON
	if err := json.Unmarshal(data, &w); err != nil {
		return fmt.Errorf("mask: %w", err)
	}
	if w.N < 0 {
		return fmt.Errorf("mask: negative size %d", w.N)
	}
	raw, err := base64.StdEncoding.DecodeString(w.Words)
	if err != nil {
		return fmt.Errorf("mask: words: %w", err)
	}
	nw := (w.N + 63) / 64
	if len(raw) != 8*nw {
		return fmt.Errorf("mask: %d bytes of words for %d slots, want %d", len(raw), w.N, 8*nw)
	}
	out := Mask{Bits: make([]uint64, nw), N: w.N}
	for i := range out.Bits {
		out.Bits[i] = binary.LittleEndian.Uint64(raw[8*i:])
	}
	if r := w.N & 63; r != 0 && out.Bits[nw-1]>>uint(r) != 0 {
		return fmt.Errorf("mask: bits set beyond slot %d", w.N)
	}
	*m = out
	return nil
}

// countRange returns how many slots in [lo, hi) are kept.
func (m Mask) countRange(lo, hi int) int {
	if lo >= hi {
		return 0
	}
	wl, wh := lo>>6, (hi-1)>>6
	first := ^uint64(0) << (uint(lo) & 63)
	last := ^uint64(0) >> (63 - (uint(hi-1) & 63))
	if wl == wh {
		return bits.OnesCount64(m.Bits[wl] & first & last)
	}
	c := bits.OnesCount64(m.Bits[wl]&first) + bits.OnesCount64(m.Bits[wh]&last)
	for _, w := range m.Bits[wl+1 : wh] {
		c += bits.OnesCount64(w)
	}
	return c
}

// nth returns the index of the r-th (0-based) slot in [lo, hi) whose bit
// equals want, or -1 if there are not that many. It costs O((hi-lo)/64).
func (m Mask) nth(lo, hi int, want bool, r int) int {
	if lo >= hi || r < 0 {
		return -1
	}
	for wi := lo >> 6; wi <= (hi-1)>>6; wi++ {
		w := m.Bits[wi]
		if !want {
			w = ^w
		}
		base := wi << 6
		if base < lo {
			w &= ^uint64(0) << uint(lo-base)
		}
		if end := base + 64; end > hi {
			w &= ^uint64(0) >> uint(end-hi)
		}
		c := bits.OnesCount64(w)
		if r >= c {
			r -= c
			continue
		}
		for ; r > 0; r-- {
			w &= w - 1 // clear the lowest set bit
		}
		return base + bits.TrailingZeros64(w)
	}
	return -1
}
