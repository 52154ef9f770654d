package model

import (
	"runtime"

	"github.com/evoprune/evoprune/internal/torchrt"
)

// libtorch's grad mode is per OS thread, and a goroutine may move between
// threads: every function that switches it locks its goroutine to the thread
// for the duration and restores the previous mode (gotch's ts.NoGrad does
// neither).

// NoGrad runs f with gradient recording off.
func NoGrad(f func()) {
	withGrad(false, f)
}

// WithGrad runs f with gradient recording on.
func WithGrad(f func()) {
	withGrad(true, f)
}

func withGrad(on bool, f func()) {
	runtime.LockOSThread()
	defer runtime.UnlockOSThread()
	prev := torchrt.SetGradEnabled(on)
	defer torchrt.SetGradEnabled(prev)
	f()
}
