package data

// Set is a labelled dataset held in memory, images as float32 row-major
// N x (C*H*W), already normalised.
type Set struct {
	X       []float32
	Y       []int32
	N       int
	Shape   [3]int // C, H, W
	Classes int
	// Black is the normalised value of a black pixel per channel (what
	// padding an image before normalisation gives); nil: 0.
	Black []float32
}

// Splits holds the three parts of a dataset.
type Splits struct {
	Name             string // dataset name
	Train, Val, Test *Set
}

// Dim is the number of values per sample, C*H*W.
func (s *Set) Dim() int { return s.Shape[0] * s.Shape[1] * s.Shape[2] }

// Subset returns a copy of the rows named by idx, in that order. Every
// index must lie in [0, N); anything else is a programming error and
// panics like an out-of-range slice index.
func (s *Set) Subset(idx []int) *Set {
	d := s.Dim()
	out := &Set{
		X:       make([]float32, len(idx)*d),
		Y:       make([]int32, len(idx)),
		N:       len(idx),
		Shape:   s.Shape,
		Classes: s.Classes,
		Black:   s.Black,
	}
	for i, j := range idx {
		copy(out.X[i*d:(i+1)*d], s.X[j*d:(j+1)*d])
		out.Y[i] = s.Y[j]
	}
	return out
}

// Head returns the first n rows. For n >= N it returns s itself; otherwise
// a copy (n <= 0 gives an empty set).
func (s *Set) Head(n int) *Set {
	if n >= s.N {
		return s
	}
	n = max(n, 0)
	d := s.Dim()
	return &Set{
		X:       append([]float32(nil), s.X[:n*d]...),
		Y:       append([]int32(nil), s.Y[:n]...),
		N:       n,
		Shape:   s.Shape,
		Classes: s.Classes,
		Black:   s.Black,
	}
}

// Pad returns a copy with p pixels of Black around every image (28x28 MNIST
// images padded by 2 are 32x32, what CIFAR networks take).
func (s *Set) Pad(p int) *Set {
	if p <= 0 {
		return s
	}
	c, h, w := s.Shape[0], s.Shape[1], s.Shape[2]
	ph, pw := h+2*p, w+2*p
	out := &Set{X: make([]float32, s.N*c*ph*pw), Y: s.Y, N: s.N, Shape: [3]int{c, ph, pw}, Classes: s.Classes, Black: s.Black}
	for i := 0; i < s.N; i++ {
		for ch := 0; ch < c; ch++ {
			plane := out.X[(i*c+ch)*ph*pw : (i*c+ch+1)*ph*pw]
			if ch < len(s.Black) && s.Black[ch] != 0 {
				for k := range plane {
					plane[k] = s.Black[ch]
				}
			}
			src := s.X[(i*c+ch)*h*w:]
			for r := 0; r < h; r++ {
				copy(plane[(r+p)*pw+p:(r+p)*pw+p+w], src[r*w:(r+1)*w])
			}
		}
	}
	return out
}
