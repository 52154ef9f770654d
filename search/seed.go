package search

// Streams of randomness, each seeded from the run seed and its own tag, so
// that any generation can be replayed from (seed, generation) alone: resuming
// needs no serialised generator state.
const (
	streamInit uint64 = iota + 1
	streamGeneration
	streamEAOpt
	streamRandom
)

// deriveSeed mixes the run seed, a stream tag and an index with SplitMix64.
func deriveSeed(seed int64, stream uint64, index int) int64 {
	x := splitmix64(uint64(seed) ^ stream*0x9e3779b97f4a7c15)
	x = splitmix64(x ^ uint64(index))
	return int64(x)
}

func splitmix64(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}
