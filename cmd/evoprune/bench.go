package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evoprune/evoprune/fitness"
	"github.com/evoprune/evoprune/internal/torchrt"
	"github.com/evoprune/evoprune/model"
)

func benchCmd() *cobra.Command {
	var asJSON bool
	var threads, pop, samples int
	var seconds float64
	var device string
	var cases []string
	c := &cobra.Command{
		Use:   "bench [--json]",
		Short: "Benchmark the fitness engine against naive evaluation, and the machine's sgemm rate",
		Long: `Measures, on this machine and in one run: sgemm GFLOP/s (2048^3), and for each
case, on 5,000 validation samples of 1x28x28, the reference evaluator's and the
engine's evaluations per second, their ratio, the engine's useful GFLOP/s and
its share of sgemm, and which evaluation path ran (tail tiles, conv tiles,
sparse rows, batched chain, per mask). Cases:
  lenet300-neuron           32 neuron masks at 50% density, vs the naive evaluator
  lenet300-weight           32 weight masks at 90% sparsity, vs the naive evaluator
  lenet5-channel            32 channel masks at 50% density, vs the naive evaluator
  resnet20-channel          32 channel masks of ResNet-20 (30-70% of each layer
                            kept), vs each mask's rebuilt network in batches of
                            128 (libtorch's best per-mask loop), interleaved
  resnet20-channel-adaptbn  the same with adaptive BN (8 batches of 128) per mask`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			torchrt.SetThreads(threads)
			dev, err := model.Device(device)
			if errors.Is(err, model.ErrNoCUDA) {
				return fmt.Errorf("bench: %w", err)
			}
			if err != nil {
				return usage(fmt.Errorf("--device: %w", err))
			}
			for _, c := range cases {
				if !slices.Contains(fitness.BenchCases, c) {
					return usage(fmt.Errorf("--case %q: one of %s", c, strings.Join(fitness.BenchCases, ", ")))
				}
			}
			o := fitness.BenchOptions{Device: dev, Population: pop, Samples: samples, Seconds: seconds, Cases: cases}
			if !asJSON {
				o.Log = func(f string, a ...any) { fmt.Fprintf(cmd.OutOrStdout(), f, a...) }
			}
			r, err := fitness.Bench(o)
			if err != nil {
				return err
			}
			r.Threads = torchrt.Threads()
			if asJSON {
				b, _ := json.MarshalIndent(r, "", "  ")
				fmt.Fprintln(cmd.OutOrStdout(), string(b))
			}
			return nil
		},
	}
	c.Flags().BoolVar(&asJSON, "json", false, "print the report as JSON")
	c.Flags().IntVar(&threads, "threads", 2, "libtorch intra-op threads")
	c.Flags().IntVar(&pop, "population", 32, "masks per batch")
	c.Flags().IntVar(&samples, "samples", 5000, "validation samples")
	c.Flags().Float64Var(&seconds, "seconds", 2, "time per measurement")
	c.Flags().StringVar(&device, "device", "cpu", "auto | cpu | cuda")
	c.Flags().StringSliceVar(&cases, "case", nil, "run only these cases (repeatable; default all)")
	return c
}
