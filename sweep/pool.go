package sweep

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/results"
)

// Options configure Run.
type Options struct {
	Out     string // root of run directories (default "runs")
	Workers int    // trials run at once (default 1)
	// Threads is the libtorch thread budget the workers share: each trial
	// gets max(1, Threads/workers). 0 means each trial's own threads setting.
	Threads  int
	Progress io.Writer // one line per trial start and end; nil: none
	// RunStdout receives each run's progress (default: discarded; it is in
	// the run's log.txt either way, and interleaved runs are unreadable).
	RunStdout io.Writer
	// Context, when cancelled, stops the running trials at their next safe
	// point and starts no more; running the sweep again continues it.
	Context context.Context
}

// TrialResult is what became of one trial.
type TrialResult struct {
	Trial   config.Trial
	State   TrialState
	Dir     string
	Run     *results.Run // nil when Err is set
	Err     error
	Seconds float64
	// ResidentMB is the sweep process's resident memory after the trial
	// (0 when unknown or not run).
	ResidentMB float64
}

// Run runs trials, Workers at a time, and returns one result per trial
// in input order. Finished trials are skipped, half-finished ones resumed.
// A failing trial does not stop the others; the error, non-nil when any
// failed, counts them.
func Run(trials []config.Trial, o Options) ([]TrialResult, error) {
	if o.Out == "" {
		o.Out = "runs"
	}
	if o.RunStdout == nil {
		o.RunStdout = io.Discard
	}
	s := &sweepRun{o: o, total: len(trials), res: make([]TrialResult, len(trials))}
	var todo []int
	for i, t := range trials {
		s.res[i] = TrialResult{Trial: t}
		state, dir, err := PlanTrial(o.Out, t)
		s.res[i].State, s.res[i].Dir, s.res[i].Err = state, dir, err
		switch {
		case err != nil:
			s.finished(i)
		case state == TrialSkipped:
			s.res[i].Run, s.res[i].Err = results.ReadRun(dir)
			s.finished(i)
		default:
			todo = append(todo, i)
		}
	}
	workers := min(max(o.Workers, 1), max(len(todo), 1))
	s.run(s.schedule(trials, todo, workers), workers)
	if ctx := o.Context; ctx != nil && ctx.Err() != nil {
		return s.res, &experiments.Interrupted{Cause: context.Cause(ctx)}
	}
	failed := 0
	for _, r := range s.res {
		if r.Err != nil && r.State != TrialBusy {
			failed++
		}
	}
	if failed > 0 {
		return s.res, fmt.Errorf("sweep: %d of %d trials failed", failed, len(trials))
	}
	return s.res, nil
}

// sweepRun is the shared state of one Run.
type sweepRun struct {
	o     Options
	total int
	res   []TrialResult
	mu    sync.Mutex // guards Progress
}

// job is one trial to run; it waits for wait (if set) before starting and
// closes done when it ends.
type job struct {
	pos  int
	t    config.Trial
	wait <-chan struct{}
	done chan struct{}
}

// schedule orders the trials to run. Trials that train the same dense model
// share its cache under <out>/.cache; were two of them to train it at once
// they would both write the cache file. So the first trial of each dense
// model (the primer) goes first, and the others with that model wait for it.
// One worker needs none of this and keeps the trials in order.
func (s *sweepRun) schedule(trials []config.Trial, todo []int, workers int) []*job {
	primers := map[string]*job{}
	var first, rest []*job
	for _, i := range todo {
		j := &job{pos: i, t: trials[i], done: make(chan struct{})}
		key := denseKey(j.t.Experiment)
		switch p, ok := primers[key]; {
		case workers == 1 || key == "" || s.denseCached(key):
			first = append(first, j)
		case ok:
			j.wait = p.done
			rest = append(rest, j)
		default:
			primers[key] = j
			first = append(first, j)
		}
	}
	return append(first, rest...)
}

// denseKey names the dense model a trial trains; "" when it loads
// model.checkpoint instead. It mirrors the cache key of denseModel.
func denseKey(e *config.Experiment) string {
	if e == nil || e.Model.Checkpoint != "" {
		return ""
	}
	return e.Hash("model", "data", "train", "seed")[:16]
}

// denseCached reports whether the dense model of key is cached already. If
// the cache layout changes this only ever answers false, which is safe.
func (s *sweepRun) denseCached(key string) bool {
	return trialFileExists(filepath.Join(s.o.Out, ".cache", "dense", key, results.ModelFile))
}

// run executes the jobs on workers goroutines. Primers are queued first, so
// by the time a worker takes a waiting job every primer is under way: no
// deadlock.
func (s *sweepRun) run(jobs []*job, workers int) {
	queue := make(chan *job, len(jobs))
	for _, j := range jobs {
		queue <- j
	}
	close(queue)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			// One OS thread per worker for all its trials: glibc gives each
			// new thread its own malloc arena, whose heap libtorch's
			// thread-local allocations pin; trials hopping threads left
			// one more resident arena (~60 MB) every few trials.
			runtime.LockOSThread()
			defer runtime.UnlockOSThread()
			for j := range queue {
				if j.wait != nil {
					<-j.wait
				}
				s.runJob(j, workers)
				close(j.done)
			}
		}()
	}
	wg.Wait()
}

func (s *sweepRun) runJob(j *job, workers int) {
	r := &s.res[j.pos]
	if ctx := s.o.Context; ctx != nil && ctx.Err() != nil {
		r.State, r.Err = TrialInterrupted, &experiments.Interrupted{Cause: context.Cause(ctx)}
		return // not started: nothing to say
	}
	e := *j.t.Experiment // a copy: the thread split is this sweep's business
	budget := s.o.Threads
	if budget <= 0 {
		budget = e.Threads
	}
	e.Threads = max(1, budget/workers)
	t := j.t
	t.Experiment = &e
	verb := "running"
	if r.State == TrialResumed {
		verb = "resuming"
	}
	s.printf(j.pos, "%s (%s, %d threads)", verb, strings.Join(t.Overrides, ", "), e.Threads)
	start := time.Now()
	oc, err := RunTrial(t, experiments.RunOptions{Out: s.o.Out, Stdout: s.o.RunStdout, Context: s.o.Context})
	r.Seconds = time.Since(start).Seconds()
	var in *experiments.Interrupted
	switch {
	case errors.As(err, &in):
		r.State = TrialInterrupted
	case errors.Is(err, results.ErrBusy):
		r.State = TrialBusy
	}
	if err != nil {
		r.Err = err
		if r.Dir == "" {
			r.Dir = filepath.Join(s.o.Out, e.Name, TrialRunID(t))
		}
	} else {
		r.State, r.Dir, r.Run = oc.State, oc.Dir, oc.Run
	}
	// What the trial freed goes back to the system before the next starts,
	// so the resident memory printed with the trial is what a sweep keeps.
	torchrt.ReleaseMemory()
	r.ResidentMB = residentMB()
	s.finished(j.pos)
}

// residentMB is the process's resident memory in MB; 0 where /proc is not.
func residentMB() float64 {
	b, err := os.ReadFile("/proc/self/statm")
	if err != nil {
		return 0
	}
	f := strings.Fields(string(b))
	if len(f) < 2 {
		return 0
	}
	pages, err := strconv.ParseInt(f[1], 10, 64)
	if err != nil {
		return 0
	}
	return float64(pages*int64(os.Getpagesize())) / (1 << 20)
}

// finished prints the closing line of a trial.
func (s *sweepRun) finished(pos int) {
	r := s.res[pos]
	var msg string
	if r.Err != nil {
		// The line already names the trial; RunTrial's errors do too.
		msg = strings.TrimPrefix(r.Err.Error(), r.Trial.String()+": ")
	}
	switch {
	case r.State == TrialBusy:
		s.printf(pos, "skipped: %s", msg)
	case r.State == TrialInterrupted:
		s.printf(pos, "interrupted after %.1fs; run the sweep again to continue it", r.Seconds)
	case r.Err != nil && r.Dir != "":
		s.printf(pos, "FAILED after %.1fs: %s (log: %s)", r.Seconds, msg, filepath.Join(r.Dir, results.LogFile))
	case r.Err != nil:
		s.printf(pos, "FAILED: %s", msg)
	case r.State == TrialSkipped:
		s.printf(pos, "skipped (finished), final acc %.2f%%, compression %.2fx", 100*r.Run.Final.Accuracy, r.Run.Final.Compression)
	default:
		rss := ""
		if r.ResidentMB > 0 {
			rss = fmt.Sprintf(", resident memory %.0f MB", r.ResidentMB)
		}
		s.printf(pos, "%s in %.1fs, final acc %.2f%%, compression %.2fx%s", r.State, r.Seconds,
			100*r.Run.Final.Accuracy, r.Run.Final.Compression, rss)
	}
}

// printf writes "[pos/total] trial t<index>-<id>: ..." as one line.
func (s *sweepRun) printf(pos int, format string, args ...any) {
	if s.o.Progress == nil {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	fmt.Fprintf(s.o.Progress, "[%d/%d] trial %s: %s\n", pos+1, s.total, TrialRunID(s.res[pos].Trial),
		fmt.Sprintf(format, args...))
}
