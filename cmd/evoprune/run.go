package main

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evoprune/evoprune/config"
	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/results"
	"github.com/evoprune/evoprune/strategy"
)

func runCmd() *cobra.Command {
	var out, resume string
	var sets []string
	c := &cobra.Command{
		Use:   "run CONFIG.yaml [--out DIR] [--set key.path=value]... | run --resume RUN_DIR",
		Short: "Run one experiment: train or load the dense model, search a prune mask, rebuild, fine-tune, report",
		Long: `Runs one experiment and writes a run directory <out>/<name>/<run-id>/ with
config.yaml, metrics.json, history.csv, mask.json, model.ot, arch.json,
checkpoint/ and log.txt. The dense model is cached under <out>/.cache, keyed by
model, data, training config and seed, so later experiments reuse it.

--resume RUN_DIR continues an interrupted run from its last search checkpoint
and ends with the same result as an uninterrupted run.

SIGINT (Ctrl-C) or SIGTERM stops the run at its next safe point (a training
step, a fitness call, the end of a generation), keeps the search checkpoint
and exits 130 / 143; a second signal quits at once. status.json in the run
directory says whether the run is running, finished, failed (with the error)
or interrupted (with the command that resumes it). Exit 2: bad input (config,
data, checkpoint, output folder, a corrupt search checkpoint on --resume, a
run directory another process is writing).

Strategies (search.algorithm), with the granularities they work on:
` + strategiesHelp(),
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var cfg string
			switch {
			case resume != "" && len(args) == 0:
				cfg = filepath.Join(resume, results.ConfigFile)
				if out == "" {
					// runs/<name>/<id>: the root is two levels up.
					out = filepath.Dir(filepath.Dir(filepath.Clean(resume)))
				}
			case resume == "" && len(args) == 1:
				cfg = args[0]
			default:
				return usage(fmt.Errorf("run takes a CONFIG.yaml, or --resume RUN_DIR without one"))
			}
			if out == "" {
				out = "runs"
			}
			e, err := config.LoadWith(cfg, sets)
			if err != nil {
				return usage(err)
			}
			ctx, stop := withSignals(context.Background())
			defer stop()
			_, err = experiments.Run(e, experiments.RunOptions{Out: out, Resume: resume, Stdout: cmd.OutOrStdout(), Context: ctx})
			var bad *experiments.InputError
			if errors.As(err, &bad) {
				return usage(err)
			}
			return err
		},
	}
	c.Flags().StringVar(&out, "out", "", "root folder for run directories (default runs)")
	c.Flags().StringArrayVar(&sets, "set", nil, "override a config value, e.g. --set search.population=16; an empty value (--set search.fitness.cost=) clears a key (repeatable)")
	c.Flags().StringVar(&resume, "resume", "", "continue the interrupted run in this directory")
	return c
}

func validateCmd() *cobra.Command {
	var sets []string
	var out string
	c := &cobra.Command{
		Use:   "validate CONFIG.yaml [--out DIR]",
		Short: "Check an experiment or sweep file without running it",
		Long: `Checks everything that can be checked before work starts: the config (or
sweep) itself, the data files (present, readable, of the right size), the
model.checkpoint file (loads into the configured architecture) and the
output folder (writable). Exit 0 when all hold, 2 otherwise.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := experiments.CheckOutput(out); err != nil {
				return usage(err)
			}
			sweep, err := config.IsSweepFile(args[0])
			if err != nil {
				return usage(err)
			}
			if sweep {
				_, trials, err := config.LoadSweep(args[0])
				if err != nil {
					return usage(err)
				}
				checked := map[string]bool{} // trials share data and checkpoints
				for _, t := range trials {
					d := t.Experiment
					key := fmt.Sprint(d.Data.Dataset, "\x00", d.Data.Dir, "\x00", d.Model.Checkpoint)
					if checked[key] {
						continue
					}
					checked[key] = true
					if err := experiments.CheckInputs(d); err != nil {
						return usage(fmt.Errorf("%s: trial %d (%s): %w", args[0], t.Index, strings.Join(t.Overrides, ", "), err))
					}
				}
				fmt.Fprintf(cmd.OutOrStdout(), "%s: ok (sweep of %d trials)\n", args[0], len(trials))
				return nil
			}
			e, err := config.LoadWith(args[0], sets)
			if err != nil {
				return usage(err)
			}
			if err := experiments.CheckInputs(e); err != nil {
				return usage(fmt.Errorf("%s: %w", args[0], err))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: ok\n", args[0])
			return nil
		},
	}
	c.Flags().StringArrayVar(&sets, "set", nil, "override a config value before checking")
	c.Flags().StringVar(&out, "out", "runs", "the root folder runs would be written to")
	return c
}

// strategiesHelp lists the registered strategies for --help.
func strategiesHelp() string {
	var b strings.Builder
	for _, s := range strategy.All() {
		fmt.Fprintf(&b, "  %-20s %s\n", s.Name, strings.Join(s.Granularities, ", "))
	}
	return b.String()
}
