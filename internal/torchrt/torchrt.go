// Package torchrt exposes the few libtorch runtime settings that gotch does
// not: the intra-op thread count and the global random seed.
package torchrt

// void at_set_num_threads(int n_threads);
// int at_get_num_threads();
// void at_manual_seed(long long seed);
import "C"

import (
	// gotch's libtch compiles the C wrappers these symbols live in.
	_ "github.com/sugarme/gotch/libtch"
)

// SetThreads sets libtorch's intra-op thread count (OpenMP starts with 1 here).
func SetThreads(n int) {
	if n > 0 {
		C.at_set_num_threads(C.int(n))
	}
}

// Threads returns libtorch's intra-op thread count.
func Threads() int { return int(C.at_get_num_threads()) }

// Seed seeds libtorch's global generators (CPU and, where present, CUDA).
func Seed(seed int64) { C.at_manual_seed(C.longlong(seed)) }
