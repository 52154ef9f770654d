package config_test

import (
	"errors"
	"os"
	"testing"

	"github.com/evoprune/evoprune/config"
)

// FuzzParse checks that no input crashes Parse and that every failure is
// a *ConfigError.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"lenet300.yaml", "synthetic-mlp.yaml", "bad-type.yaml", "bad-combo.yaml"} {
		src, err := os.ReadFile("testdata/" + name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(src, "search.population=8")
	}
	f.Add([]byte("a: &a [*a]\nmodel: {widths: &w [*w]}\n<<: *a\n"), "model.widths=[1,[2]]")
	f.Fuzz(func(t *testing.T, src []byte, set string) {
		_, err := config.Parse("f.yaml", src, []string{set})
		var ce *config.ConfigError
		if err != nil && !errors.As(err, &ce) {
			t.Fatalf("error %v is %T, want *config.ConfigError", err, err)
		}
	})
}
