package main

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/evoprune/evoprune/experiments"
	"github.com/evoprune/evoprune/interop"
	"github.com/evoprune/evoprune/results"
)

func exportCmd() *cobra.Command {
	var format, out string
	c := &cobra.Command{
		Use:   "export RUN_DIR --format pytorch|onnx|safetensors --out DIR",
		Short: "Write a run's final (pruned) network for PyTorch, ONNX runtimes or safetensors",
		Long: `Write a run's final network, at its rebuilt widths, for use outside evoprune:

  pytorch      DIR/model.pt (a state_dict) and DIR/model.py, whose build() returns
               the torch.nn.Module:
                 m = model.build(); m.load_state_dict(torch.load("model.pt")); m.eval()
  onnx         DIR/model.onnx (opset 13): input "input" [N, C, H, W], output "logits"
  safetensors  DIR/model.safetensors, the architecture and input in its metadata

The input normalisation the network expects is stated in model.py, in the ONNX
graph's doc string and in the safetensors metadata.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if !slices.Contains(interop.Formats, format) {
				return usage(fmt.Errorf("--format %q: want one of %s", format, strings.Join(interop.Formats, ", ")))
			}
			if out == "" {
				return usage(fmt.Errorf("--out DIR is required"))
			}
			for _, f := range []string{results.ModelFile, results.ArchFile, results.ConfigFile} {
				if _, err := os.Stat(filepath.Join(args[0], f)); err != nil {
					return usage(fmt.Errorf("%s is not a finished run directory: %w", args[0], err))
				}
			}
			e, n, err := experiments.FinalNetwork(args[0])
			if err != nil {
				return err
			}
			defer n.Drop()
			files, err := interop.Export(n, interop.InputOf(e.Data.Dataset, e.Data.Pad), format, out)
			if err != nil {
				return err
			}
			for _, f := range files {
				fmt.Fprintln(cmd.OutOrStdout(), f)
			}
			return nil
		},
	}
	c.Flags().StringVar(&format, "format", "pytorch", "pytorch | onnx | safetensors")
	c.Flags().StringVar(&out, "out", "", "output folder (created if missing)")
	return c
}
