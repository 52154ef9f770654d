package results

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// variantIgnored are config keys that never make runs different
// experiments: the seed (groups are over seeds), where and how fast they
// ran, and the name.
var variantIgnored = map[string]bool{"name": true, "seed": true, "device": true, "threads": true}

// SetVariants labels runs that share a group key (dataset, model,
// granularity, algorithm, target) but were configured differently, e.g. a
// sweep over reconstruct.method: each run's Variant lists, as "key=value",
// the settings of its resolved config.yaml that differ within that group,
// less the ignore keys (e.g. model.checkpoint when some runs load the dense
// model the others trained and cached). Runs whose config.yaml cannot be
// read are left unlabelled. FindRuns calls it with no ignore keys.
func SetVariants(runs []*Run, dirs []string, ignore ...string) {
	type entry struct {
		run  *Run
		conf map[string]string
	}
	byKey := map[groupKey][]entry{}
	var keys []groupKey
	for i, r := range runs {
		k := groupKey{r.Dataset, r.Model, r.Granularity, r.Algorithm, r.Target, r.TargetFLOPs, ""}
		if _, ok := byKey[k]; !ok {
			keys = append(keys, k)
		}
		byKey[k] = append(byKey[k], entry{r, readFlatConfig(filepath.Join(dirs[i], ConfigFile))})
	}
	for _, k := range keys {
		es := byKey[k]
		differ := map[string]bool{}
		for _, e := range es[1:] {
			for key := range union(e.conf, es[0].conf) {
				if !variantIgnored[key] && !slices.Contains(ignore, key) && e.conf[key] != es[0].conf[key] {
					differ[key] = true
				}
			}
		}
		for _, e := range es {
			if e.conf == nil {
				continue
			}
			var parts []string
			for key := range differ {
				v := e.conf[key]
				if v == "" { // absent from this run's config.yaml (a key added since), or empty
					v = "(default)"
				}
				parts = append(parts, key+"="+v)
			}
			slices.Sort(parts)
			e.run.Variant = strings.Join(parts, " ")
		}
	}
}

func union(a, b map[string]string) map[string]bool {
	u := map[string]bool{}
	for k := range a {
		u[k] = true
	}
	for k := range b {
		u[k] = true
	}
	return u
}

// readFlatConfig reads a YAML file as "a.b.c" -> value text; nil if it
// cannot be read.
func readFlatConfig(path string) map[string]string {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil
	}
	var doc map[string]any
	if yaml.Unmarshal(b, &doc) != nil {
		return nil
	}
	out := map[string]string{}
	var walk func(prefix string, v any)
	walk = func(prefix string, v any) {
		if m, ok := v.(map[string]any); ok {
			for k, x := range m {
				walk(prefix+k+".", x)
			}
			return
		}
		out[strings.TrimSuffix(prefix, ".")] = fmt.Sprint(v)
	}
	walk("", doc)
	return out
}
