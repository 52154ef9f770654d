package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
)

// gotch's generated ops allocate the C slot their result handle is written
// to with C.malloc(0) and never free it: ~32 bytes per op, which a search
// that rebuilds a network per mask (hundreds of ops each) turns into tens of
// MB. The slot is also too small for ops with several results, which write
// past it. freeOutputSlots gives every such slot room for 16 handles and
// frees it when the function returns (the handle has been copied by then).
var outputSlot = regexp.MustCompile(`(?m)^(\s*)(\w+) := \(\*lib\.Ctensor\)\(unsafe\.Pointer\(C\.malloc\(0\)\)\)\n(\s*defer C\.free)?`)

func freeOutputSlots(src []byte) ([]byte, int) {
	n := 0
	out := outputSlot.ReplaceAllFunc(src, func(m []byte) []byte {
		g := outputSlot.FindSubmatch(m)
		indent, name := string(g[1]), string(g[2])
		n++
		s := fmt.Sprintf("%s%s := (*lib.Ctensor)(unsafe.Pointer(C.malloc(128)))\n", indent, name)
		if len(g[3]) == 0 {
			return []byte(s + fmt.Sprintf("%sdefer C.free(unsafe.Pointer(%s))\n", indent, name))
		}
		return []byte(s + string(g[3]))
	})
	return out, n
}

// patchLeaks applies freeOutputSlots to the ops of the prepared module.
func patchLeaks(dst string) error {
	for _, f := range []string{"tensor-generated.go", "tensor.go", "patch.go"} {
		p := filepath.Join(dst, "ts", f)
		b, err := os.ReadFile(p)
		if err != nil {
			return fmt.Errorf("patch %s: %w", p, err)
		}
		out, n := freeOutputSlots(b)
		if n == 0 {
			continue
		}
		if err := os.WriteFile(p, out, 0o644); err != nil {
			return fmt.Errorf("patch %s: %w", p, err)
		}
	}
	return nil
}
