package main

import (
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/sweep"
)

// sweepFlags are the flags of `evoprune sweep`.
type sweepFlags struct {
	out, shard          string
	workers, threads    int
	emit, emitOut       string
	shards              int
	image, pvc, binPath string
}

func sweepCmd() *cobra.Command {
	var f sweepFlags
	c := &cobra.Command{
		Use:   "sweep SWEEP.yaml [--out DIR] [--workers N] [--shard I/N] [--emit k8s|slurm]",
		Short: "Run every trial of a sweep (grid × seeds); running it again skips finished trials",
		Long: `Expands a sweep file (base, grid, seeds) into trials and runs each in its own
run directory <out>/<name>/t<index>-<id>/, where id is a hash of the trial's
resolved config. Running the sweep again skips finished trials (metrics.json
present), resumes half-finished ones from their search checkpoint and runs the
rest, so an interrupted sweep is continued by running the same command. Each
run's output goes to its log.txt; the sweep prints a line per trial and ends
with a leaderboard of mean ± std over seeds. Exit 1 if any trial failed (the
others still run). SIGINT / SIGTERM stop the running trials at their next
safe point, start no more, and exit 130 / 143: run the command again to
continue. Each trial's directory is locked while it runs: a second copy of the
same sweep (another terminal, another node on a shared folder) skips the trials
the first is running and works on the others.

--workers N runs N trials at once and splits the threads (--threads, default
the config's threads setting) between them. --shard I/N runs only the trials
whose index ≡ I (mod N), for Kubernetes Indexed Jobs and Slurm job arrays;
--emit k8s|slurm writes such a job (N = --shards, default one per trial)
instead of running anything.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return runSweep(cmd, args[0], f)
		},
	}
	fl := c.Flags()
	fl.StringVar(&f.out, "out", "runs", "root folder for run directories (--emit k8s: default /runs)")
	fl.IntVar(&f.workers, "workers", 1, "trials run at once")
	fl.IntVar(&f.threads, "threads", 0, "libtorch threads shared by the workers (default: the config's threads)")
	fl.StringVar(&f.shard, "shard", "", "run only trials with index ≡ I (mod N), given as I/N")
	fl.StringVar(&f.emit, "emit", "", "write a job that runs the sweep in shards instead of running it: k8s | slurm")
	fl.StringVar(&f.emitOut, "emit-out", "", "with --emit: write the job to this file instead of stdout")
	fl.IntVar(&f.shards, "shards", 0, "with --emit: number of shards (default: one per trial)")
	fl.StringVar(&f.image, "image", "evoprune:latest", "with --emit k8s: container image (built from the repository's Dockerfile)")
	fl.StringVar(&f.pvc, "pvc", "", "with --emit k8s: PersistentVolumeClaim mounted at --out, where the runs are kept")
	fl.StringVar(&f.binPath, "bin", "evoprune", "with --emit: the evoprune command on the cluster")
	return c
}

func runSweep(cmd *cobra.Command, path string, f sweepFlags) error {
	if f.workers < 1 {
		return usage(fmt.Errorf("--workers %d: must be >= 1", f.workers))
	}
	if f.threads < 0 {
		return usage(fmt.Errorf("--threads %d: must be >= 0", f.threads))
	}
	if f.emit == "" {
		for _, name := range []string{"emit-out", "shards", "image", "pvc", "bin"} {
			if cmd.Flags().Changed(name) {
				return usage(fmt.Errorf("--%s needs --emit k8s|slurm", name))
			}
		}
	}
	_, trials, err := config.LoadSweep(path)
	if err != nil {
		return usage(err)
	}
	if f.emit != "" {
		return emitJob(cmd, path, trials, f)
	}
	w := cmd.OutOrStdout()
	all := len(trials)
	if f.shard != "" {
		i, n, err := parseShard(f.shard)
		if err != nil {
			return usage(err)
		}
		trials = config.Shard(trials, i, n)
	}
	fmt.Fprintf(w, "sweep %s: %d of %d trials, %d workers, out %s\n", path, len(trials), all, f.workers, f.out)
	if err := experiments.CheckOutput(f.out); err != nil {
		return usage(err)
	}
	ctx, stop := withSignals(context.Background())
	defer stop()
	res, err := sweep.Run(trials, sweep.Options{
		Out: f.out, Workers: f.workers, Threads: f.threads, Progress: w, Context: ctx})
	if lerr := sweepBoard(w, res); lerr != nil && err == nil {
		err = lerr
	}
	return err
}

// sweepBoard prints the grouped leaderboard of the trials that finished.
func sweepBoard(w io.Writer, res []sweep.TrialResult) error {
	var runs []*results.Run
	for _, r := range res {
		if r.Run != nil {
			runs = append(runs, r.Run)
		}
	}
	if len(runs) == 0 {
		return nil
	}
	fmt.Fprintln(w)
	return results.GroupLeaderboard(w, results.Group(runs), results.FormatTable, "")
}

// parseShard reads "I/N" with 0 <= I < N.
func parseShard(s string) (i, n int, err error) {
	a, b, ok := strings.Cut(s, "/")
	if ok {
		i, err = strconv.Atoi(strings.TrimSpace(a))
		if err == nil {
			n, err = strconv.Atoi(strings.TrimSpace(b))
		}
	}
	switch {
	case !ok || err != nil:
		return 0, 0, fmt.Errorf("--shard %q: want I/N with integers, e.g. 0/4", s)
	case n < 1:
		return 0, 0, fmt.Errorf("--shard %q: N must be >= 1", s)
	case i < 0 || i >= n:
		return 0, 0, fmt.Errorf("--shard %q: I must be in 0..%d", s, n-1)
	}
	return i, n, nil
}
