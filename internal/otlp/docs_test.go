package otlp

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

const (
	tableStart = "<!-- severity table: generated from the catalog; TestSeverityTableInDocs checks it (QMPWATCH_UPDATE=1 rewrites it) -->\n"
	tableEnd   = "<!-- end of severity table -->"
)

// severityTable is docs/otlp.md's table, from the catalog: every event has
// a level, and its cases say when it differs.
func severityTable(cat *decode.Catalog) string {
	var b strings.Builder
	b.WriteString("| event | severity | but |\n|---|---|---|\n")
	for _, e := range cat.Events() {
		var cases []string
		for _, c := range e.Severity.When {
			cases = append(cases, strings.ToUpper(c.Level)+" "+caseText(c))
		}
		b.WriteString("| `" + e.Name + "` | " + strings.ToUpper(e.Severity.Level) + " | " + strings.Join(cases, "; ") + " |\n")
	}
	return b.String()
}

// caseText reads "when `action == "stop"`" or "after `BLOCK_IO_ERROR`".
func caseText(c decode.SeverityCase) string {
	if c.After != "" {
		return "after `" + c.After + "`"
	}
	return "when `" + c.Cond.String() + "`"
}

// Every event of the catalog has a level, and docs/otlp.md shows the table
// as the catalog has it.
func TestSeverityTableInDocs(t *testing.T) {
	cat := decode.Builtin()
	for _, e := range cat.Events() {
		if e.Severity.Level == "" {
			t.Errorf("%s has no severity in the catalog", e.Name)
		}
	}
	path := filepath.Join("..", "..", "docs", "otlp.md")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	doc := string(b)
	i, j := strings.Index(doc, tableStart), strings.Index(doc, tableEnd)
	if i < 0 || j < i {
		t.Fatalf("%s lacks the severity table's markers", path)
	}
	want := severityTable(cat)
	if got := doc[i+len(tableStart) : j]; got != want {
		if os.Getenv("QMPWATCH_UPDATE") != "" {
			if err := os.WriteFile(path, []byte(doc[:i+len(tableStart)]+want+doc[j:]), 0o644); err != nil {
				t.Fatal(err)
			}
			return
		}
		t.Errorf("%s's severity table is stale (QMPWATCH_UPDATE=1 rewrites it); want:\n%s", path, want)
	}
}
