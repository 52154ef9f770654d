package main

import (
	"fmt"

	"github.com/evoprune/evoprune/results"
	"github.com/spf13/cobra"
)

func leaderboardCmd() *cobra.Command {
	var format, sort string
	c := &cobra.Command{
		Use:   "leaderboard [DIR...] [--format table|markdown|csv|json] [--sort METRIC]",
		Short: "Rank finished runs found under the given folders (default runs)",
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 {
				args = []string{"runs"}
			}
			f, err := results.ParseFormat(format)
			if err != nil {
				return usage(err)
			}
			runs, _, err := results.FindRuns(args...)
			if err != nil {
				return usage(err)
			}
			if len(runs) == 0 {
				return usage(fmt.Errorf("no runs (metrics.json) under %v", args))
			}
			if err := results.Leaderboard(cmd.OutOrStdout(), runs, f, sort); err != nil {
				return usage(err)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "table", "table | markdown | csv | json")
	c.Flags().StringVar(&sort, "sort", results.DefaultSort, "metric to sort by, e.g. final.accuracy, compression, final.flops")
	return c
}
