package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// signalError is the cause of a run stopped by a signal.
type signalError struct{ sig syscall.Signal }

func (s signalError) Error() string { return "received " + signalName(s.sig) }

func signalName(s syscall.Signal) string {
	switch s {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	}
	return s.String()
}

// exitCode is the shell's convention for death by a signal: 128 + number
// (130 for SIGINT, 143 for SIGTERM).
func (s signalError) exitCode() int { return 128 + int(s.sig) }

// withSignals returns a context cancelled by the first SIGINT or SIGTERM,
// with a signalError as its cause: the run stops at its next safe point and
// keeps what it wrote. A second signal exits at once; every file is written
// atomically and the search checkpoint is on disk, so --resume still works.
func withSignals(parent context.Context) (context.Context, func()) {
	ctx, cancel := context.WithCancelCause(parent)
	ch := make(chan os.Signal, 2)
	signal.Notify(ch, syscall.SIGINT, syscall.SIGTERM)
	done := make(chan struct{})
	go func() {
		select {
		case s := <-ch:
			sig := s.(syscall.Signal)
			fmt.Fprintf(os.Stderr, "\nevoprune: %s: stopping at the next safe point and saving; send it again to quit at once\n", signalName(sig))
			cancel(signalError{sig})
			select {
			case s := <-ch:
				fmt.Fprintf(os.Stderr, "evoprune: %s again: quitting now\n", signalName(s.(syscall.Signal)))
				os.Exit(signalError{s.(syscall.Signal)}.exitCode())
			case <-done:
			}
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(ch)
		close(done)
		cancel(nil)
	}
}

// signalExit returns the exit code for an error caused by a signal.
func signalExit(err error) (int, bool) {
	var s signalError
	if errors.As(err, &s) {
		return s.exitCode(), true
	}
	return 0, false
}
