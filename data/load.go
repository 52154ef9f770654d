package data

import (
	"fmt"
	"strings"
)

// Config says which dataset to load and how to split it.
type Config struct {
	Dataset    string // "mnist" | "fashion-mnist" | "cifar10" | "cifar100" | "synthetic"
	Dir        string // optional explicit folder with the files; "" = default location
	Validation int    // samples held out of the training set for validation; must be in [1, train size)
	Seed       int64  // seeds the validation split (and synthetic generation)
	TrainLimit int    // 0 = all; else keep only the first TrainLimit training samples (after the split)
	TestLimit  int    // 0 = all; else first TestLimit test samples
	Pad        int    // pixels of black added around every image (0: none)
	// Synthetic only:
	SyntheticSamples int    // total train samples before split (default 2000), test gets SyntheticSamples/4
	SyntheticShape   [3]int // default {1, 8, 8}
	SyntheticClasses int    // default 4
}

// Dataset names accepted by Load.
const (
	MNIST        = "mnist"
	FashionMNIST = "fashion-mnist"
	CIFAR10      = "cifar10"
	CIFAR100     = "cifar100"
	Synthetic    = "synthetic"
)

// canonicalName maps a dataset name (case-insensitive, a few aliases) to
// one of the constants above.
func canonicalName(name string) (string, error) {
	switch strings.ToLower(strings.TrimSpace(name)) {
	case "mnist":
		return MNIST, nil
	case "fashion-mnist", "fashion_mnist", "fashionmnist", "fmnist":
		return FashionMNIST, nil
	case "cifar10", "cifar-10", "cifar_10":
		return CIFAR10, nil
	case "cifar100", "cifar-100", "cifar_100":
		return CIFAR100, nil
	case "synthetic":
		return Synthetic, nil
	}
	return "", fmt.Errorf("unknown dataset %q: want one of %s, %s, %s, %s, %s", name, MNIST, FashionMNIST, CIFAR10, CIFAR100, Synthetic)
}

// Load reads the dataset named by cfg, holds cfg.Validation seeded random
// training samples out as the validation set and applies the limits.
func Load(cfg Config) (*Splits, error) {
	name, err := canonicalName(cfg.Dataset)
	if err != nil {
		return nil, fmt.Errorf("load data: %w", err)
	}
	switch {
	case cfg.Validation < 1:
		return nil, fmt.Errorf("load %s: validation size %d: must be at least 1", name, cfg.Validation)
	case cfg.TrainLimit < 0:
		return nil, fmt.Errorf("load %s: train limit %d: must be >= 0 (0 = all)", name, cfg.TrainLimit)
	case cfg.TestLimit < 0:
		return nil, fmt.Errorf("load %s: test limit %d: must be >= 0 (0 = all)", name, cfg.TestLimit)
	case cfg.Pad < 0:
		return nil, fmt.Errorf("load %s: padding %d: must be >= 0", name, cfg.Pad)
	}
	var train, test *Set
	switch name {
	case MNIST:
		train, test, err = loadMNIST(cfg.Dir)
	case FashionMNIST:
		train, test, err = loadFashionMNIST(cfg.Dir)
	case CIFAR10, CIFAR100:
		train, test, err = cifarFormats[name].load(cfg.Dir)
	case Synthetic:
		train, test, err = loadSynthetic(cfg)
	}
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", name, err)
	}
	if cfg.Validation >= train.N {
		return nil, fmt.Errorf("load %s: validation size %d: must be less than the %d training samples", name, cfg.Validation, train.N)
	}
	valIdx, trainIdx := splitIndices(train.N, cfg.Validation, cfg.Seed)
	s := &Splits{Name: name, Train: train.Subset(trainIdx), Val: train.Subset(valIdx), Test: test}
	if cfg.TrainLimit > 0 {
		s.Train = s.Train.Head(cfg.TrainLimit)
	}
	if cfg.TestLimit > 0 {
		s.Test = s.Test.Head(cfg.TestLimit)
	}
	s.Train, s.Val, s.Test = s.Train.Pad(cfg.Pad), s.Val.Pad(cfg.Pad), s.Test.Pad(cfg.Pad)
	return s, nil
}
