package config_test

import (
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/evoprune/evoprune/config"
)

// docs/config.md is generated from the schema: the structs of config.go
// (keys, types, comments), config.Default() and config.Allowed. Run
// EVOPRUNE_UPDATE_DOCS=1 go test ./config -run TestReference to rewrite it.
func TestReferenceIsTheSchema(t *testing.T) {
	want := reference(t)
	const path = "../docs/config.md"
	have, _ := os.ReadFile(path)
	if string(have) == want {
		return
	}
	if os.Getenv("EVOPRUNE_UPDATE_DOCS") != "" {
		if err := os.WriteFile(path, []byte(want), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	t.Errorf("%s differs from the schema; run EVOPRUNE_UPDATE_DOCS=1 go test ./config -run TestReference", path)
}

// reference renders the key table from config.go's syntax tree.
func reference(t *testing.T) string {
	fset := token.NewFileSet()
	f, err := parser.ParseFile(fset, "config.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	structs := map[string]*ast.StructType{}
	ast.Inspect(f, func(n ast.Node) bool {
		if ts, ok := n.(*ast.TypeSpec); ok {
			if st, ok := ts.Type.(*ast.StructType); ok {
				structs[ts.Name.Name] = st
			}
		}
		return true
	})
	var b strings.Builder
	b.WriteString(`# Experiment YAML reference

Every key of an experiment file, its type, its default and what it accepts.
Generated from the schema (` + "`config/config.go`, `config.Default()`, `config.Allowed`" + `) by
` + "`EVOPRUNE_UPDATE_DOCS=1 go test ./config -run TestReference`" + `; a test keeps it in step.
Any key can also be set on the command line: ` + "`evoprune run exp.yaml --set train.epochs=5`" + `.
Sweeps (` + "`evoprune sweep`" + `) take ` + "`base`, `grid` (key path → list of values) and `seeds`" + `.

| key | type | default | accepts · notes |
|---|---|---|---|
`)
	def := reflect.ValueOf(config.Default()).Elem()
	var walk func(st *ast.StructType, v reflect.Value, prefix string)
	walk = func(st *ast.StructType, v reflect.Value, prefix string) {
		for _, fl := range st.Fields.List {
			if fl.Tag == nil || len(fl.Names) == 0 {
				continue
			}
			tag, _ := strconv.Unquote(fl.Tag.Value)
			key := strings.Split(reflect.StructTag(tag).Get("yaml"), ",")[0]
			path := prefix + key
			fv := v.FieldByName(fl.Names[0].Name)
			if id, ok := fl.Type.(*ast.Ident); ok && structs[id.Name] != nil {
				walk(structs[id.Name], fv, path+".")
				continue
			}
			note := strings.Join(strings.Fields(fl.Doc.Text()+" "+fl.Comment.Text()), " ")
			if rest, ok := strings.CutPrefix(note, fl.Names[0].Name); ok { // Go's doc style names the field
				note = "`" + key + "`" + rest
			}
			if note != "" && !strings.HasSuffix(note, ".") {
				note += "."
			}
			switch path { // which strategies honour a budget comes from the registry
			case "prune.layer_sparsity":
				note += " Honoured by " + config.Either(config.StrategyNames(func(r config.StrategyRules) bool { return r.LayerSparsity }), true) + "."
			case "prune.target_flops":
				note += " Honoured by " + config.Either(config.StrategyNames(func(r config.StrategyRules) bool { return r.TargetFLOPs }), true) + "."
			case "search.fitness.low_samples":
				note += " Applies to " + config.Either(config.StrategyNames(func(r config.StrategyRules) bool { return r.Screens }), true) + "."
			}
			if users := config.StrategyNames(func(r config.StrategyRules) bool { return slices.Contains(r.Options, path) }); users != nil {
				note += " Used by " + config.Either(users, true) + "."
			}
			if allowed := config.Allowed(path); allowed != nil {
				note = "`" + strings.Join(allowed, "` · `") + "`. " + note
			}
			note = strings.TrimSpace(note)
			fmt.Fprintf(&b, "| `%s` | %s | %s | %s |\n", path, typeName(fv.Type()), defaultOf(fv), strings.ReplaceAll(note, "|", "\\|"))
		}
	}
	walk(structs["Experiment"], def, "")
	b.WriteString(layersSection(t))
	return b.String()
}

// layersSection renders LayerConfig's doc comment (layers.go): the syntax
// of model.layers, its code block fenced as YAML.
func layersSection(t *testing.T) string {
	f, err := parser.ParseFile(token.NewFileSet(), "layers.go", nil, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	var doc string
	for _, d := range f.Decls {
		if g, ok := d.(*ast.GenDecl); ok && len(g.Specs) == 1 {
			if ts, ok := g.Specs[0].(*ast.TypeSpec); ok && ts.Name.Name == "LayerConfig" {
				doc = g.Doc.Text()
			}
		}
	}
	var b strings.Builder
	b.WriteString("\n## `model.layers`: a network of one's own\n\n")
	code := false
	for _, l := range strings.Split(strings.TrimSpace(doc), "\n") {
		l, isCode := strings.CutPrefix(l, "\t")
		if isCode != code {
			b.WriteString("```" + map[bool]string{true: "yaml", false: ""}[isCode] + "\n")
			code = isCode
		}
		b.WriteString(strings.Replace(l, "LayerConfig is one layer", "Each entry of `model.layers` is one layer", 1) + "\n")
	}
	if code {
		b.WriteString("```\n")
	}
	return b.String()
}

func typeName(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Slice:
		return "list of " + typeName(t.Elem())
	case reflect.Float64:
		return "number"
	case reflect.Int, reflect.Int64:
		return "integer"
	case reflect.Struct:
		return "layer"
	}
	return t.Kind().String()
}

func defaultOf(v reflect.Value) string {
	switch {
	case v.Kind() == reflect.Slice && v.Len() == 0, v.Kind() == reflect.String && v.String() == "":
		return "—"
	case v.Kind() == reflect.Slice:
		return strings.ReplaceAll(fmt.Sprint(v.Interface()), " ", ", ")
	}
	return fmt.Sprintf("`%v`", v.Interface())
}
