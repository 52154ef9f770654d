package main

import (
	"encoding/json"
	"fmt"

	"github.com/spf13/cobra"

	"github.com/evoprune/evoprune/experiments"
)

func evalCmd() *cobra.Command {
	var asJSON bool
	c := &cobra.Command{
		Use:   "eval RUN_DIR [--json]",
		Short: "Reload a run's final model and evaluate it on the test set",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := experiments.Eval(args[0])
			if err != nil {
				return err
			}
			if asJSON {
				b, _ := json.MarshalIndent(m, "", "  ")
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
				return nil
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: test accuracy %.2f%% (precision %.4f, recall %.4f, F1 %.4f), %d params\n",
				args[0], 100*m.Accuracy, m.Precision, m.Recall, m.F1, m.Params)
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the metrics as JSON")
	return c
}
