package main

import (
	"fmt"
	"path/filepath"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evoprune/evoprune/results"
)

func plotCmd() *cobra.Command {
	var out, kind, x string
	c := &cobra.Command{
		Use:   "plot DIR... --out FILE.png [--kind accuracy|history|rounds|front] [--x sparsity|compression]",
		Short: "Plot final accuracy against sparsity per algorithm (seed error bars), the search's fitness per generation, or iterative pruning's accuracy per round",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return usage(fmt.Errorf("plot needs --out FILE (.png, .svg or .pdf)"))
			}
			runs, dirs, err := results.FindRuns(args...)
			if err != nil {
				return usage(err)
			}
			if len(runs) == 0 {
				return usage(fmt.Errorf("no runs (metrics.json) under %v", args))
			}
			switch kind {
			case "accuracy":
				files, err := results.PlotAccuracy(runs, x, out)
				if err != nil {
					return usage(err)
				}
				if len(files) > 1 {
					fmt.Fprintf(cmd.OutOrStdout(), "one plot per dataset and model: %s\n", strings.Join(files, ", "))
				}
			case "history":
				hist := map[string][]results.HistoryRow{}
				for i, r := range runs {
					h, err := results.ReadHistory(filepath.Join(dirs[i], results.HistoryFile))
					if err == nil && len(h) > 0 {
						hist[fmt.Sprintf("%s %s s%d", r.Name, r.Algorithm, r.Seed)] = h
					}
				}
				if err := results.PlotHistory(hist, out); err != nil {
					return err
				}
			case "rounds":
				curves := map[string][][]results.RoundRow{}
				for i, r := range runs {
					if rows, err := results.ReadRounds(dirs[i]); err == nil && len(rows) > 0 {
						curves[r.Name] = append(curves[r.Name], rows)
					}
				}
				if len(curves) == 0 {
					return usage(fmt.Errorf("no run under %v has %s (strategies that prune in rounds write it)", args, results.RoundsFile))
				}
				if err := results.PlotRounds(curves, out); err != nil {
					return err
				}
			case "front":
				fronts, dense := map[string]*results.Front{}, map[string]int64{}
				for i, r := range runs {
					if f, err := results.ReadFront(dirs[i]); err == nil && len(f.Points) > 0 {
						label := fmt.Sprintf("%s s%d", r.Name, r.Seed)
						fronts[label], dense[label] = f, r.Dense.FLOPs
					}
				}
				if len(fronts) == 0 {
					return usage(fmt.Errorf("no run under %v has %s (search.fitness.objective pareto writes it)", args, results.ParetoFile))
				}
				if err := results.PlotFronts(fronts, dense, out); err != nil {
					return err
				}
			default:
				return usage(fmt.Errorf("--kind %q: accuracy | history | rounds | front", kind))
			}
			fmt.Fprintf(cmd.OutOrStdout(), "plot: %s\n", out)
			return nil
		},
	}
	c.Flags().StringVar(&out, "out", "", "output image (.png, .svg, .pdf)")
	c.Flags().StringVar(&kind, "kind", "accuracy", "accuracy | history | rounds (test accuracy vs weights remaining per round, one curve per experiment name) | front (pareto runs: validation accuracy vs FLOPs kept)")
	c.Flags().StringVar(&x, "x", "sparsity", "x axis for accuracy plots: sparsity | compression")
	return c
}
