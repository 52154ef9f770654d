package data

// Per-dataset normalisation constants, applied as (x/255 - mean) / std.
var (
	mnistMean  = []float64{0.1307}
	mnistStd   = []float64{0.3081}
	fmnistMean = []float64{0.2860}
	fmnistStd  = []float64{0.3530}
	cifarMean  = []float64{0.4914, 0.4822, 0.4465}
	cifarStd   = []float64{0.2470, 0.2435, 0.2616}
	// CIFAR-100's training set statistics.
	cifar100Mean = []float64{0.5071, 0.4865, 0.4409}
	cifar100Std  = []float64{0.2673, 0.2564, 0.2762}
)

// byteLUT maps every byte value to its normalised float32.
func byteLUT(mean, std float64) *[256]float32 {
	var t [256]float32
	for v := range t {
		t[v] = float32((float64(v)/255 - mean) / std)
	}
	return &t
}

// channelLUTs builds one lookup table per channel.
func channelLUTs(mean, std []float64) []*[256]float32 {
	luts := make([]*[256]float32, len(mean))
	for c := range mean {
		luts[c] = byteLUT(mean[c], std[c])
	}
	return luts
}

// normalizeInto converts one image of planar bytes (channel after channel,
// each plane bytes long) into dst using the per-channel tables.
func normalizeInto(dst []float32, pix []byte, luts []*[256]float32, plane int) {
	for c, lut := range luts {
		p := pix[c*plane : (c+1)*plane]
		d := dst[c*plane : (c+1)*plane]
		for i, v := range p {
			d[i] = lut[v]
		}
	}
}

// black is the normalised value of a zero byte per channel.
func black(mean, std []float64) []float32 {
	out := make([]float32, len(mean))
	for c := range mean {
		out[c] = float32(-mean[c] / std[c])
	}
	return out
}

// Normalisation returns the per-channel mean and std a dataset's pixels
// (scaled to [0, 1]) are normalised with, so exported models can state
// their input; ok is false for synthetic data, which is generated normalised.
func Normalisation(dataset string) (mean, std []float64, ok bool) {
	name, err := canonicalName(dataset)
	if err != nil {
		return nil, nil, false
	}
	switch name {
	case MNIST:
		return mnistMean, mnistStd, true
	case FashionMNIST:
		return fmnistMean, fmnistStd, true
	case CIFAR10:
		return cifarMean, cifarStd, true
	case CIFAR100:
		return cifar100Mean, cifar100Std, true
	}
	return nil, nil, false
}
