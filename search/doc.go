// Package search looks for prune masks: which slots (neurons or weights) of
// the prunable layers to keep. It offers a genetic search built on eaopt, a
// random-search control and magnitude (top-k) baselines. The fitness of a mask
// comes from an injected Evaluator, so the package knows nothing of tensors.
package search
