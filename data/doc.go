// Package data loads labelled image datasets (MNIST, Fashion-MNIST,
// CIFAR-10 and a seeded synthetic set) into memory as normalised float32
// rows and splits the training data into train and validation parts.
//
// Everything here is pure Go and deterministic for a given Config.Seed.
package data
