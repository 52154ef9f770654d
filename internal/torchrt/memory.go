package torchrt

/*
#ifdef __GLIBC__
#include <malloc.h>
static int evoprune_trim(void) { return malloc_trim(0); }
#else
static int evoprune_trim(void) { return 0; }
#endif
*/
import "C"

import "runtime/debug"

// ReleaseMemory hands freed memory back to the operating system: Go's heap
// (a forced collection) and the C allocator's free lists, where libtorch's
// freed tensors stay otherwise. glibc keeps large freed blocks in its heaps
// once its mmap threshold has risen, so a long sweep's resident memory
// would ratchet up trial after trial without it. Call it between units of
// work, not in hot loops: it costs a garbage collection.
func ReleaseMemory() {
	debug.FreeOSMemory()
	C.evoprune_trim()
}
