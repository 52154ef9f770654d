package experiments

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"time"

	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
	"github.com/evoprune/evoprune/results"
	"github.com/sugarme/gotch"
)

// pipeline is the state one run carries between its steps.
type pipeline struct {
	e    *Experiment
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
	denseArch   model.Arch
	resumed     bool
}

// open prepares the device, threads, seed and the run directory.
func open(e *Experiment, o RunOptions) (*pipeline, error) {
	if o.Out == "" {
		o.Out = "runs"
	}
	if o.Stdout == nil {
		o.Stdout = os.Stdout
	}
	p := &pipeline{e: e, o: o}
	switch e.Device {
	case "cpu":
		p.dev = gotch.CPU
	case "cuda":
		p.dev = gotch.CudaIfAvailable()
		if p.dev == gotch.CPU {
			return nil, fmt.Errorf("device: cuda requested but libtorch sees no CUDA device")
		}
	default:
		p.dev = gotch.CudaIfAvailable()
	}
	torchrt.SetThreads(e.Threads)
	torchrt.Seed(e.Seed)

	var err error
	if o.Resume != "" {
		p.dir, err = results.OpenRunDir(o.Resume)
		p.resumed = true
	} else {
		p.dir, err = results.CreateRunDir(o.Out, e.Name, results.NewRunID(time.Now(), e.Seed))
	}
	if err != nil {
		return nil, err
	}
	if p.log, err = p.dir.Log(); err != nil {
		return nil, err
	}
	p.out = io.MultiWriter(o.Stdout, p.log)
	cfg, err := e.YAML()
	if err != nil {
		return nil, err
	}
	if !p.resumed {
		if err := results.WriteFileAtomic(p.dir.File(results.ConfigFile), cfg); err != nil {
			return nil, err
		}
	}
	p.printf("run %s: %s on %s, %s granularity, %s search, target sparsity %.2f, device %s, %d threads, seed %d\n",
		filepath.Base(p.dir.Path), e.Model.Arch, e.Data.Dataset, e.Prune.Granularity, e.Search.Algorithm,
		e.Prune.TargetSparsity, deviceName(p.dev), torchrt.Threads(), e.Seed)
	return p, nil
}

func deviceName(d gotch.Device) string {
	if d == gotch.CPU {
		return "cpu"
	}
	return "cuda"
}

func (p *pipeline) printf(format string, args ...any) { fmt.Fprintf(p.out, format, args...) }

func (p *pipeline) close() {
	if p.log != nil {
		p.log.Close()
	}
}
