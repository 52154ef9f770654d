package results

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/olekukonko/tablewriter"
	"github.com/olekukonko/tablewriter/tw"
)

// sheet is a laid-out table in both forms: raw values (csv, json) and
// display text (table, markdown). Any row type can be rendered through it.
type sheet struct {
	keys    []string // machine names, for csv and json
	labels  []string // display names, for table and markdown
	numeric []bool
	values  [][]any // int64, float64 or string
	texts   [][]string
}

func (s *sheet) write(w io.Writer, f Format) error {
	switch f {
	case FormatMarkdown:
		return s.writeMarkdown(w)
	case FormatCSV:
		return s.writeCSV(w)
	case FormatJSON:
		return s.writeJSON(w)
	default:
		return s.writeTable(w)
	}
}

func (s *sheet) writeTable(w io.Writer) error {
	aligns := make([]tw.Align, len(s.keys))
	for i, n := range s.numeric {
		aligns[i] = tw.AlignLeft
		if n {
			aligns[i] = tw.AlignRight
		}
	}
	t := tablewriter.NewTable(w,
		tablewriter.WithHeaderAutoFormat(tw.Off),
		tablewriter.WithRowAutoWrap(tw.WrapNone),
		tablewriter.WithRowAlignmentConfig(tw.CellAlignment{PerColumn: aligns}),
	)
	t.Header(s.labels)
	for _, row := range s.texts {
		if err := t.Append(row); err != nil {
			return fmt.Errorf("table row: %w", err)
		}
	}
	if err := t.Render(); err != nil {
		return fmt.Errorf("render table: %w", err)
	}
	return nil
}

// writeMarkdown writes a GitHub pipe table.
func (s *sheet) writeMarkdown(w io.Writer) error {
	var b strings.Builder
	line := func(cells []string) {
		b.WriteString("|")
		for _, c := range cells {
			b.WriteString(" " + mdEscape(c) + " |")
		}
		b.WriteString("\n")
	}
	line(s.labels)
	b.WriteString("|")
	for _, n := range s.numeric {
		if n {
			b.WriteString(" ---: |")
		} else {
			b.WriteString(" --- |")
		}
	}
	b.WriteString("\n")
	for _, row := range s.texts {
		line(row)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

func mdEscape(s string) string {
	s = strings.ReplaceAll(s, `\`, `\\`)
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.Join(strings.Fields(s), " ")
}

func (s *sheet) writeCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	cw.Write(s.keys)
	for _, row := range s.values {
		rec := make([]string, len(row))
		for i, v := range row {
			rec[i] = rawText(v)
		}
		cw.Write(rec)
	}
	cw.Flush()
	return cw.Error()
}

func rawText(v any) string {
	switch x := v.(type) {
	case float64:
		return formatFloat(x)
	case int64:
		return strconv.FormatInt(x, 10)
	default:
		return fmt.Sprint(x)
	}
}

// writeJSON writes an array of objects whose keys keep column order.
// Non-finite numbers, which JSON cannot hold, become null.
func (s *sheet) writeJSON(w io.Writer) error {
	var b bytes.Buffer
	b.WriteString("[")
	for r, row := range s.values {
		if r > 0 {
			b.WriteString(",")
		}
		b.WriteString("\n  {")
		for i, v := range row {
			if i > 0 {
				b.WriteString(", ")
			}
			if f, ok := v.(float64); ok && !finite(f) {
				v = nil
			}
			k, _ := json.Marshal(s.keys[i])
			val, err := json.Marshal(v)
			if err != nil {
				return fmt.Errorf("encode %s: %w", s.keys[i], err)
			}
			b.Write(k)
			b.WriteString(": ")
			b.Write(val)
		}
		b.WriteString("}")
	}
	if len(s.values) > 0 {
		b.WriteString("\n")
	}
	b.WriteString("]\n")
	_, err := w.Write(b.Bytes())
	return err
}
