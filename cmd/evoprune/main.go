// Command evoprune runs neural-network pruning experiments driven by genetic
// search. See `evoprune --help`.
package main

import (
	"errors"
	"fmt"
	"os"
	"os/signal"
	"runtime"
	"syscall"

	"github.com/spf13/cobra"
)

// usageError marks bad input or usage: exit code 2.
type usageError struct{ err error }

func (u usageError) Error() string { return u.err.Error() }
func (u usageError) Unwrap() error { return u.err }

func usage(err error) error { return usageError{err} }

func main() {
	// libtorch's grad mode is per OS thread: keep the main goroutine on one.
	runtime.LockOSThread()
	// Over a file-size limit a write should fail with an error (EFBIG),
	// leaving the run resumable, rather than the signal killing the process.
	signal.Ignore(syscall.SIGXFSZ)
	root := &cobra.Command{
		Use:           "evoprune",
		Short:         "Neural-network pruning experiments driven by genetic search",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.AddCommand(runCmd(), validateCmd(), leaderboardCmd(), evalCmd(), exportCmd(), benchCmd(), sweepCmd(), plotCmd())
	root.SetFlagErrorFunc(func(c *cobra.Command, err error) error { return usage(err) })
	err := root.Execute()
	if err == nil {
		return
	}
	fmt.Fprintln(os.Stderr, "evoprune:", err)
	if code, ok := signalExit(err); ok {
		os.Exit(code)
	}
	var u usageError
	if errors.As(err, &u) || isCobraUsage(err) {
		os.Exit(2)
	}
	os.Exit(1)
}

// isCobraUsage recognises cobra's own argument errors (unknown command, wrong arg count).
func isCobraUsage(err error) bool {
	msg := err.Error()
	for _, p := range []string{"unknown command", "accepts ", "requires at least", "unknown flag", "unknown shorthand"} {
		if len(msg) >= len(p) && contains(msg, p) {
			return true
		}
	}
	return false
}

func contains(s, sub string) bool {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return true
		}
	}
	return false
}
