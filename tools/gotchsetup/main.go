// Command gotchsetup prepares gotch for the libtorch installed on this machine.
//
// gotch v0.9.1 is written for libtorch 2.1 with CUDA; Debian ships libtorch
// 1.13.1 for CPU. This program replaces the body of every generated atg_*
// wrapper that does not compile against the chosen libtorch with one that
// raises a clear error, compiles gotch's C++ wrapper into a shared library
// libtch.so, and copies the gotch module into a git-ignored folder (used
// through a `replace` in the project's go.mod) whose cgo lib.go links that
// library. The exported symbols are the same for every libtorch, so one Go
// binary runs on any libtch.so built this way. It is idempotent: a stamp
// records what was built, and a second run with the same inputs returns at once.
package main

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
)

// toolVersion changes whenever the preparation below changes, so that old
// prepared copies are redone.
const toolVersion = "7"

const gotchModule = "github.com/sugarme/gotch@v0.9.1"

type libtorch struct {
	Root     string   // "" for Debian's system libtorch
	Includes []string // extra include directories
	LibDir   string   // "" when the libraries are on the default search path
	Libs     []string
	ABI      string // value of _GLIBCXX_USE_CXX11_ABI
}

type options struct {
	dst     string // the prepared Go module (git-ignored)
	shared  string // where libtch.so and its stubbed sources go
	root    string // libtorch folder; "" for Debian's
	src     string // gotch module folder; "" to find it with `go mod download`
	libOnly bool   // build libtch.so only (machines without Go)
}

func main() {
	var o options
	flag.StringVar(&o.dst, "dst", "third_party/gotch", "folder for the prepared gotch module (git-ignored)")
	flag.StringVar(&o.shared, "shared", "third_party/libtch", "folder for libtch.so, the C++ wrapper as a shared library")
	flag.StringVar(&o.root, "libtorch", os.Getenv("LIBTORCH"), "libtorch folder (include/, lib/); empty: Debian's libtorch-dev")
	flag.StringVar(&o.src, "src", "", "gotch v0.9.1 source folder (default: from the Go module cache)")
	flag.BoolVar(&o.libOnly, "lib-only", false, "only build libtch.so (no Go module), e.g. on a GPU machine without Go")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintln(os.Stderr, "gotchsetup:", err)
		os.Exit(1)
	}
}

// run builds libtch.so from gotch's C++ wrapper, stubbed for the chosen
// libtorch, and prepares the Go module to link it dynamically: the same Go
// binary then runs on any libtch.so built this way (LD_LIBRARY_PATH chooses).
func run(o options) error {
	lt, err := findLibtorch(o.root)
	if err != nil {
		return err
	}
	shared, err := filepath.Abs(o.shared)
	if err != nil {
		return err
	}
	key := stampKey(lt, o.libOnly)
	stamp := filepath.Join(shared, ".evoprune-prepared")
	if b, err := os.ReadFile(stamp); err == nil && strings.TrimSpace(string(b)) == key && (o.libOnly || exists(filepath.Join(o.dst, "go.mod"))) {
		fmt.Printf("gotchsetup: %s already built for %s\n", shared, describe(lt))
		return nil
	}
	src := o.src
	if src == "" {
		if src, err = moduleDir(); err != nil {
			return err
		}
	}
	csrc := filepath.Join(shared, "src")
	if err := os.RemoveAll(shared); err != nil {
		return fmt.Errorf("remove old %s: %w", shared, err)
	}
	if err := copySources(filepath.Join(src, "libtch"), csrc); err != nil {
		return fmt.Errorf("copy wrapper sources: %w", err)
	}
	n, err := stubBroken(csrc, lt)
	if err != nil {
		return err
	}
	fmt.Printf("gotchsetup: %d generated wrappers stubbed for %s; compiling libtch.so (a few minutes)\n", n, describe(lt))
	if err := buildShared(csrc, filepath.Join(shared, "libtch.so"), lt); err != nil {
		return err
	}
	if !o.libOnly {
		if err := prepareModule(src, o.dst, shared); err != nil {
			return err
		}
	}
	fmt.Printf("gotchsetup: %s/libtch.so ready\n", shared)
	return os.WriteFile(stamp, []byte(key+"\n"), 0o644)
}

// prepareModule copies gotch into dst without the C++ wrapper (which lives
// in libtch.so), frees the result slots its ops leak, and writes a lib.go
// that links that library.
func prepareModule(src, dst, shared string) error {
	if err := os.RemoveAll(dst); err != nil {
		return fmt.Errorf("remove old %s: %w", dst, err)
	}
	if err := copyTree(src, dst); err != nil {
		return fmt.Errorf("copy gotch: %w", err)
	}
	if err := patchLeaks(dst); err != nil {
		return err
	}
	libtch := filepath.Join(dst, "libtch")
	if err := os.Remove(filepath.Join(libtch, "torch_api.cpp")); err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(libtch, "lib.go"), []byte(libGo(shared)), 0o644)
}

func exists(p string) bool {
	_, err := os.Stat(p)
	return err == nil
}

func describe(lt libtorch) string {
	if lt.Root == "" {
		return "Debian libtorch (CPU)"
	}
	if contains(lt.Libs, "torch_cuda") {
		return lt.Root + " (CUDA)"
	}
	return lt.Root
}

func findLibtorch(root string) (libtorch, error) {
	abi := os.Getenv("TORCH_CXX11_ABI")
	if abi == "" {
		abi = "1"
	}
	if root == "" {
		hdr := "/usr/include/torch/csrc/api/include/torch/torch.h"
		if _, err := os.Stat(hdr); err != nil {
			return libtorch{}, fmt.Errorf("no libtorch: %s missing (install libtorch-dev or set LIBTORCH)", hdr)
		}
		return libtorch{
			Includes: []string{"/usr/include/torch/csrc/api/include"},
			Libs:     []string{"torch", "torch_cpu", "c10"},
			ABI:      abi,
		}, nil
	}
	root, err := filepath.Abs(root)
	if err != nil {
		return libtorch{}, err
	}
	lib := filepath.Join(root, "lib")
	if !exists(filepath.Join(lib, "libtorch_cpu.so")) {
		// Debian's layout: LIBTORCH=/usr
		lib = filepath.Join(root, "lib", "x86_64-linux-gnu")
	}
	if !exists(filepath.Join(lib, "libtorch_cpu.so")) {
		return libtorch{}, fmt.Errorf("LIBTORCH=%s: no lib/libtorch_cpu.so there", root)
	}
	lt := libtorch{
		Root:     root,
		Includes: []string{filepath.Join(root, "include"), filepath.Join(root, "include/torch/csrc/api/include")},
		LibDir:   lib,
		Libs:     []string{"torch", "torch_cpu", "c10"},
		ABI:      abi,
	}
	if _, err := os.Stat(filepath.Join(lib, "libtorch_cuda.so")); err == nil {
		lt.Libs = append(lt.Libs, "torch_cuda", "c10_cuda")
	}
	return lt, nil
}

func stampKey(lt libtorch, libOnly bool) string {
	b, _ := json.Marshal(struct {
		V, M    string
		L       libtorch
		LibOnly bool
	}{toolVersion, gotchModule, lt, libOnly})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

func moduleDir() (string, error) {
	cmd := exec.Command("go", "mod", "download", "-json", gotchModule)
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.Output()
	if err != nil {
		return "", fmt.Errorf("go mod download %s: %w", gotchModule, err)
	}
	var m struct{ Dir, Error string }
	if err := json.Unmarshal(out, &m); err != nil {
		return "", fmt.Errorf("go mod download %s: %w", gotchModule, err)
	}
	if m.Error != "" || m.Dir == "" {
		return "", fmt.Errorf("go mod download %s: %s", gotchModule, m.Error)
	}
	return m.Dir, nil
}

// copyTree copies a module from the read-only module cache, leaving the copy writable.
func copyTree(src, dst string) error {
	return filepath.WalkDir(src, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, p)
		out := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(out, 0o755)
		}
		in, err := os.Open(p)
		if err != nil {
			return err
		}
		defer in.Close()
		f, err := os.OpenFile(out, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		if _, err := io.Copy(f, in); err != nil {
			f.Close()
			return err
		}
		return f.Close()
	})
}

func cxxFlags(lt libtorch) []string {
	f := []string{"-std=c++17", "-D_GLIBCXX_USE_CXX11_ABI=" + lt.ABI}
	for _, inc := range lt.Includes {
		f = append(f, "-I"+inc)
	}
	return f
}

func libGo(shared string) string {
	var b strings.Builder
	b.WriteString("// Code generated by evoprune's tools/gotchsetup; DO NOT EDIT.\n\npackage libtch\n\n")
	b.WriteString("// The C++ wrapper is the shared library libtch.so; LD_LIBRARY_PATH can\n")
	b.WriteString("// point the same binary at one built against another libtorch.\n\n")
	fmt.Fprintf(&b, "// #cgo LDFLAGS: -L%s -ltch -Wl,-rpath,%s -Wl,--enable-new-dtags -lstdc++\n", shared, shared)
	b.WriteString("// #cgo CFLAGS: -I${SRCDIR} -O2 -Wno-deprecated-declarations\n")
	b.WriteString("import \"C\"\n")
	return b.String()
}

// buildShared compiles the stubbed wrapper into a shared library linked
// against the chosen libtorch (CUDA libraries kept even though unreferenced,
// so that libtorch registers its CUDA kernels). -O0: the wrapper is thin glue
// around libtorch calls, and -O0 halves its compile time (35 s against 77 s).
func buildShared(csrc, out string, lt libtorch) error {
	args := append(cxxFlags(lt), "-shared", "-fPIC", "-O0", "-w", "-I"+csrc, filepath.Join(csrc, "torch_api.cpp"), "-o", out)
	if lt.LibDir != "" {
		args = append(args, "-L"+lt.LibDir, "-Wl,-rpath,"+lt.LibDir)
	}
	if contains(lt.Libs, "torch_cuda") {
		args = append(args, "-Wl,--no-as-needed", "-ltorch_cuda", "-lc10_cuda", "-Wl,--as-needed")
	}
	for _, l := range lt.Libs {
		if l != "torch_cuda" && l != "c10_cuda" {
			args = append(args, "-l"+l)
		}
	}
	cmd := exec.Command("g++", args...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("g++ -shared torch_api.cpp: %w\n%s", err, firstErrors(stderr.String()))
	}
	return nil
}

// copySources copies the wrapper's C/C++ sources and headers (not the Go files).
func copySources(from, to string) error {
	if err := os.MkdirAll(to, 0o755); err != nil {
		return err
	}
	entries, err := os.ReadDir(from)
	if err != nil {
		return err
	}
	for _, e := range entries {
		if n := e.Name(); strings.HasSuffix(n, ".cpp") || strings.HasSuffix(n, ".h") {
			b, err := os.ReadFile(filepath.Join(from, n))
			if err != nil {
				return err
			}
			if err := os.WriteFile(filepath.Join(to, n), b, 0o644); err != nil {
				return err
			}
		}
	}
	return nil
}

var errLine = regexp.MustCompile(`torch_api_generated\.cpp\.h:(\d+):\d+: error:`)
var otherErr = regexp.MustCompile(`(?m)^([^:\n]+):(\d+):\d+: error: .*$`)
var funcStart = regexp.MustCompile(`^[A-Za-z_][\w \*]*\b(atg_\w+)\(`)

// stubBroken compiles torch_api.cpp with -fsyntax-only and replaces each
// generated wrapper that fails with one that raises an error, until it compiles.
func stubBroken(dir string, lt libtorch) (int, error) {
	gen := filepath.Join(dir, "torch_api_generated.cpp.h")
	total := 0
	for round := 0; round < 6; round++ {
		args := append(cxxFlags(lt), "-fsyntax-only", "-w", "-fmax-errors=0", "-I"+dir, filepath.Join(dir, "torch_api.cpp"))
		cmd := exec.Command("g++", args...)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err == nil {
			return total, nil
		}
		lines := map[int]bool{}
		for _, m := range errLine.FindAllStringSubmatch(stderr.String(), -1) {
			var n int
			fmt.Sscan(m[1], &n)
			lines[n] = true
		}
		if len(lines) == 0 {
			return total, fmt.Errorf("g++ -fsyntax-only torch_api.cpp fails outside the generated wrappers:\n%s", firstErrors(stderr.String()))
		}
		n, err := stubLines(gen, lines)
		if err != nil {
			return total, err
		}
		if n == 0 {
			return total, fmt.Errorf("could not map compile errors to atg_ functions:\n%s", firstErrors(stderr.String()))
		}
		total += n
		fmt.Printf("gotchsetup: round %d: stubbed %d wrappers\n", round+1, n)
	}
	return total, fmt.Errorf("torch_api.cpp still fails to compile after stubbing %d wrappers", total)
}

func firstErrors(s string) string {
	m := otherErr.FindAllString(s, 10)
	return strings.Join(m, "\n")
}

// stubLines replaces the functions enclosing the given 1-based lines.
func stubLines(path string, bad map[int]bool) (int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return 0, err
	}
	lines := strings.Split(string(b), "\n")
	type span struct {
		start, end int
		name, ret  string
	}
	var spans []span
	seen := map[int]bool{}
	keys := make([]int, 0, len(bad))
	for k := range bad {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, ln := range keys {
		i := ln - 1
		for i >= 0 && !funcStart.MatchString(lines[i]) {
			i--
		}
		if i < 0 || seen[i] {
			continue
		}
		j := i
		for j < len(lines) && lines[j] != "}" {
			j++
		}
		if j == len(lines) {
			return 0, fmt.Errorf("%s:%d: no end of function", path, i+1)
		}
		seen[i] = true
		m := funcStart.FindStringSubmatch(lines[i])
		ret := strings.TrimSpace(lines[i][:strings.Index(lines[i], m[1])])
		spans = append(spans, span{i, j, m[1], ret})
	}
	// Replace from the bottom so earlier indices stay valid.
	for k := len(spans) - 1; k >= 0; k-- {
		s := spans[k]
		sig := lines[s.start]
		sig = sig[:strings.LastIndex(sig, "{")] + "{"
		body := []string{sig,
			fmt.Sprintf("  PROTECT(throw std::runtime_error(\"%s: not available in the installed libtorch\");)", s.name)}
		if s.ret != "void" {
			body = append(body, "  return 0;")
		}
		body = append(body, "}")
		lines = append(lines[:s.start], append(body, lines[s.end+1:]...)...)
	}
	return len(spans), os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644)
}

func prefixed(p string, xs []string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = p + x
	}
	return out
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}
