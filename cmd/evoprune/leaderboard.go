package main

import (
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evoprune/evoprune/results"
)

func leaderboardCmd() *cobra.Command {
	var format, sort string
	var group, pareto bool
	var ignore []string
	c := &cobra.Command{
		Use:   "leaderboard [DIR...] [--format table|markdown|csv|json] [--sort METRIC] [--group] [--ignore KEY]... [--pareto]",
		Short: "Rank finished runs found under the given folders (default runs)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"runs"}
			}
			f, err := results.ParseFormat(format)
			if err != nil {
				return usage(err)
			}
			runs, dirs, err := results.FindRuns(args...)
			if err != nil {
				return usage(err)
			}
			if len(ignore) > 0 {
				results.SetVariants(runs, dirs, ignore...)
			}
			if len(runs) == 0 {
				return usage(fmt.Errorf("no runs (metrics.json) under %v", args))
			}
			if group {
				// --pareto with --group: the frontier of configurations, on their means.
				rows := results.Group(runs)
				if pareto {
					rows = results.ParetoGroups(rows)
				}
				if err := results.GroupLeaderboard(cmd.OutOrStdout(), rows, f, sort); err != nil {
					return usage(err)
				}
				return nil
			}
			if pareto {
				runs = results.Pareto(runs)
			}
			if err := results.Leaderboard(cmd.OutOrStdout(), runs, f, sort); err != nil {
				return usage(err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "table", "table | markdown | csv | json")
	c.Flags().StringVar(&sort, "sort", results.DefaultSort, "metric to sort by, e.g. final.accuracy, compression, final.flops")
	c.Flags().BoolVar(&group, "group", false, "one row per (dataset, model, granularity, algorithm, target) group: mean ± std over its runs (seeds), and the accuracy against the best group paired by seed (95 % interval)")
	c.Flags().StringArrayVar(&ignore, "ignore", nil, "a config key (e.g. model.checkpoint) whose differences do not make runs separate variants; repeatable")
	c.Flags().BoolVar(&pareto, "pareto", false, "keep only runs (with --group: groups) not dominated in final accuracy and final compression")
	return c
}
