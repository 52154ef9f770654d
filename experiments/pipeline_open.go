package experiments

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/sugarme/gotch"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/search"
)

// pipeline is the state one run carries between its steps.
type pipeline struct {
	e    *config.Experiment
	o    RunOptions
	dev  gotch.Device
	dir  *results.RunDir
	log  io.WriteCloser
	out  io.Writer
	secs results.Seconds
	// lastVal is the validation accuracy of a network after its last
	// training epoch, so measuring it right after need not run it again.
	lastVal struct {
		net *model.Net
		on  *model.Batch
		acc float64
	}
	searchSum   results.SearchSummary
	denseParams int64
	denseFLOPs  int64
	denseArch   model.Arch
	resumed     bool
	lock        *results.Lock
	stage       string // the step running, for errors and status.json
}

// open prepares the device, threads, seed and the run directory.
func open(e *config.Experiment, o RunOptions) (*pipeline, error) {
	if o.Out == "" {
		o.Out = "runs"
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	p := &pipeline{e: e, o: o}
	var err error
	if p.dev, err = model.Device(e.Device); err != nil {
		return nil, &InputError{fmt.Errorf("device: %w", err)}
	}
	torchrt.SetThreads(e.Threads)
	torchrt.Seed(e.Seed)

	if o.Resume != "" {
		p.dir, err = results.OpenRunDir(o.Resume)
		p.resumed = true
	} else {
		p.dir, err = results.CreateNewRunDir(o.Out, e.Name, results.NewRunID(time.Now(), e.Seed))
	}
	if err != nil {
		return nil, err
	}
	if p.lock, err = p.dir.Lock(); err != nil {
		return nil, &InputError{err}
	}
	if _, err := os.Stat(p.dir.File(results.MetricsFile)); p.resumed && err == nil {
		p.lock.Release() // and leave the finished run's status alone
		return nil, &InputError{fmt.Errorf("run directory %s holds a finished run (%s): nothing to resume", p.dir.Path, results.MetricsFile)}
	}
	if err := p.start(); err != nil {
		p.close(err)
		return nil, err
	}
	return p, nil
}

// start writes the run's config and status and opens its log.
func (p *pipeline) start() error {
	e := p.e
	p.stage = "start"
	if err := p.dir.WriteStatus(results.Status{State: results.StateRunning, Stage: p.stage}); err != nil {
		return err
	}
	var err error
	if p.log, err = p.dir.Log(); err != nil {
		return err
	}
	p.out = io.MultiWriter(p.o.Stdout, p.log)
	// A resumed run keeps its config; a sweep trial's fresh directory has
	// none yet.
	if _, serr := os.Stat(p.dir.File(results.ConfigFile)); !p.resumed || serr != nil {
		cfg, err := e.YAML()
		if err != nil {
			return err
		}
		if err := results.WriteFileAtomic(p.dir.File(results.ConfigFile), cfg); err != nil {
			return err
		}
	}
	p.printf("run %s: %s on %s, %s granularity, %s search, %s, device %s, %d threads, seed %d\n",
		filepath.Base(p.dir.Path), e.Model.Arch, e.Data.Dataset, e.Prune.Granularity, e.Search.Algorithm,
		budget(e), model.DeviceName(p.dev), torchrt.Threads(), e.Seed)
	return nil
}

// budget says what the run searches for, as its header prints it.
func budget(e *config.Experiment) string {
	switch {
	case e.Search.Fitness.ProbeEpochs > 0:
		return fmt.Sprintf("the cheapest front point with validation error <= %.4g after %d fine-tuning epochs", e.Search.Fitness.MaxError, e.Search.Fitness.ProbeEpochs)
	case e.Search.Fitness.Objective == search.Pareto && e.Search.Fitness.MaxError > 0:
		return fmt.Sprintf("the cheapest front point with validation error <= %.4g", e.Search.Fitness.MaxError)
	case e.Search.Fitness.Objective == search.Pareto:
		return "accuracy-vs-cost front"
	case e.Prune.TargetFLOPs > 0:
		return fmt.Sprintf("target FLOPs removed %.2f", e.Prune.TargetFLOPs)
	}
	return fmt.Sprintf("target sparsity %.2f", e.Prune.TargetSparsity)
}

func (p *pipeline) printf(format string, args ...any) {
	if p.out != nil { // nil until the log is open
		fmt.Fprintf(p.out, format, args...)
	}
}

// step records the step the run enters, in status.json too: a run killed
// without a chance to say so (SIGKILL) still shows where it was.
func (p *pipeline) step(name string) {
	p.stage = name
	if err := p.dir.WriteStatus(results.Status{State: results.StateRunning, Stage: name}); err != nil {
		p.printf("status not written: %v\n", err)
	}
}

// fail names the step that failed.
func (p *pipeline) fail(err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("%s: %w", p.stage, err)
}

// Interrupted is the error of a run stopped through RunOptions.Context.
type Interrupted struct{ Cause error }

func (e *Interrupted) Error() string { return fmt.Sprintf("interrupted (%v)", e.Cause) }
func (e *Interrupted) Unwrap() error { return e.Cause }

// stopped returns an *Interrupted once the run's context is cancelled.
func (p *pipeline) stopped() error {
	if ctx := p.o.Context; ctx != nil && ctx.Err() != nil {
		return &Interrupted{context.Cause(ctx)}
	}
	return nil
}

// close records how the run ended in status.json, then releases the
// directory.
func (p *pipeline) close(err error) {
	st := results.Status{State: results.StateFinished}
	var in *Interrupted
	switch {
	case err == nil:
	case errors.As(err, &in):
		st = results.Status{State: results.StateInterrupted, Stage: p.stage,
			Resume: "evoprune run --resume " + p.dir.Path}
		p.printf("interrupted in step %s; continue with: %s\n", p.stage, st.Resume)
	default:
		st = results.Status{State: results.StateFailed, Stage: p.stage, Error: err.Error()}
		p.printf("failed in step %s: %v\n", p.stage, err)
	}
	if werr := p.dir.WriteStatus(st); werr != nil {
		p.printf("status not written: %v\n", werr)
	}
	if p.log != nil {
		p.log.Close()
	}
	p.lock.Release()
}
