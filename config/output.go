package config

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"gopkg.in/yaml.v3"
)

// YAML renders the experiment with every key spelled out (the resolved
// config.yaml of a run directory). Parse reads it back to an equal value.
func (e *Experiment) YAML() ([]byte, error) {
	var b bytes.Buffer
	enc := yaml.NewEncoder(&b)
	enc.SetIndent(2)
	if err := enc.Encode(e); err != nil {
		return nil, fmt.Errorf("encode experiment %q: %w", e.Name, err)
	}
	if err := enc.Close(); err != nil {
		return nil, fmt.Errorf("encode experiment %q: %w", e.Name, err)
	}
	return b.Bytes(), nil
}

// Hash returns the hex SHA-256 of the canonical form of the experiment
// (YAML with sorted keys). With keys, such as "model",
// "data", "train", "seed", only those top-level keys are hashed: use it to
// key caches that depend on part of the config. Hash panics on a key that
// is not a top-level key of Experiment: that is a programming error, and a
// silently wrong cache key would be worse.
func (e *Experiment) Hash(keys ...string) string {
	all, err := e.canonical()
	if err != nil {
		panic(fmt.Sprintf("config: hash %q: %v", e.Name, err))
	}
	if len(keys) > 0 {
		sub := map[string]any{}
		for _, k := range keys {
			v, ok := all[k]
			if !ok {
				panic(fmt.Sprintf("config: Hash: unknown top-level key %q", k))
			}
			sub[k] = v
		}
		all = sub
	}
	b, err := yaml.Marshal(all) // map keys are sorted
	if err != nil {
		panic(fmt.Sprintf("config: hash %q: %v", e.Name, err))
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// canonical converts the experiment to nested maps keyed by YAML names.
func (e *Experiment) canonical() (map[string]any, error) {
	b, err := yaml.Marshal(e)
	if err != nil {
		return nil, err
	}
	var m map[string]any
	if err := yaml.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	return m, nil
}
