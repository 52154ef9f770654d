// Package torchrt exposes the few libtorch runtime settings that gotch does
// not (or not correctly): the intra-op thread count, the global random seed
// and the per-thread grad mode.
package torchrt

// void at_set_num_threads(int n_threads);
// int at_get_num_threads();
// void at_manual_seed(long long seed);
// int at_grad_set_enabled(int b);
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

// SetGradEnabled switches gradient recording on or off for the calling OS
// thread and returns the previous setting. (gotch's GradSetEnabled reads the
// C int result as a Go int and so reports the previous setting wrongly.)
func SetGradEnabled(on bool) bool {
	b := C.int(0)
	if on {
		b = 1
	}
	return C.at_grad_set_enabled(b) == 1
}
