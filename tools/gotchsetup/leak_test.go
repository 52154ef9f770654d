package main

import (
	"strings"
	"testing"
)

func TestFreeOutputSlots(t *testing.T) {
	in := `func A() {
  ptr := (*lib.Ctensor)(unsafe.Pointer(C.malloc(0)))
  
  lib.AtgA(ptr)
}
func B() {
	for i := 0; i < n; i++ {
		outputPtr := (*lib.Ctensor)(unsafe.Pointer(C.malloc(0)))
		defer C.free(unsafe.Pointer(outputPtr))
	}
}
`
	want := `func A() {
  ptr := (*lib.Ctensor)(unsafe.Pointer(C.malloc(128)))
  defer C.free(unsafe.Pointer(ptr))
  
  lib.AtgA(ptr)
}
func B() {
	for i := 0; i < n; i++ {
		outputPtr := (*lib.Ctensor)(unsafe.Pointer(C.malloc(128)))
		defer C.free(unsafe.Pointer(outputPtr))
	}
}
`
	got, n := freeOutputSlots([]byte(in))
	if string(got) != want || n != 2 {
		t.Fatalf("got %d slots:\n%s", n, got)
	}
	again, n := freeOutputSlots(got)
	if string(again) != want || n != 0 {
		t.Fatalf("not idempotent: %d slots:\n%s", n, again)
	}
	if strings.Contains(string(got), "malloc(0)") {
		t.Fatal("malloc(0) left")
	}
}
