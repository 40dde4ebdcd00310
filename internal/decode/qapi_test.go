package decode

import (
	"os"
	"path/filepath"
	"testing"
)

// loadQAPIDumps reads every testdata/qapi/*.json dump of the repository
// (written by scripts/qapi-events-dump.py from QEMU's own QAPI sources).
func loadQAPIDumps(t *testing.T) []*QAPIDump {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("..", "..", "testdata", "qapi", "*.json"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no QAPI dumps in testdata/qapi (%v)", err)
	}
	var dumps []*QAPIDump
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		d, err := ParseQAPIDump(b)
		if err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		dumps = append(dumps, d)
	}
	return dumps
}

// TestCatalogMatchesQAPI is the check that the builtin catalog follows QEMU's
// QAPI schema release by release; it prints every difference.
func TestCatalogMatchesQAPI(t *testing.T) {
	dumps := loadQAPIDumps(t)
	for _, diff := range CompareQAPI(Builtin(), dumps) {
		t.Error(diff)
	}
}

// TestCatalogNewestMatchesDumps keeps Newest in step with the dumps of
// releases: a snapshot of upstream master is checked, but is no release.
func TestCatalogNewestMatchesDumps(t *testing.T) {
	var newest Version
	for _, d := range loadQAPIDumps(t) {
		if d.Snapshot == "" && newest.Less(d.Version()) {
			newest = d.Version()
		}
	}
	if got := Builtin().Newest(); got != newest {
		t.Errorf("catalog knows QEMU up to %s, newest QAPI dump is %s", got, newest)
	}
}

// TestCompareQAPIFindsDifferences feeds the comparison a catalog with known
// faults, so a comparison that reports nothing cannot pass for a clean one.
func TestCompareQAPIFindsDifferences(t *testing.T) {
	cat := testCatalog(t, eventA+`
      - {name: s, type: {enum: [x, {y: "2.0"}]}, doc: s}
      - {name: gone, type: str, doc: g}
  - name: OLD
    since: "1.0"
    doc: old
`)
	old, _ := ParseQAPIDump([]byte(`{"qemu": "1.5", "events": [{"name": "A", "since": "1.0", "members": [{"name": "s", "type": "E"}, {"name": "gone", "type": "str"}]}, {"name": "OLD", "since": "1.0"}], "types": {"E": {"enum": [{"name": "x"}]}}}`))
	cur, _ := ParseQAPIDump([]byte(`{"qemu": "2.0", "events": [{"name": "A", "since": "0.9", "members": [{"name": "s", "type": "E"}, {"name": "n", "type": "int", "optional": true}]}], "types": {"E": {"enum": [{"name": "x"}, {"name": "y", "since": "2.0"}, {"name": "z", "since": "2.0"}]}}}`))
	got := CompareQAPI(cat, []*QAPIDump{cur, old})
	want := []string{
		"A: since 0.9 in QEMU 2.0, 1.0 in the catalog",
		"A: data.n: QEMU 2.0 has it, the catalog does not",
		`A: data.s: value "z" (since 2.0) is not in the catalog`,
		"A: data.gone: in the catalog, not in QEMU 2.0",
		"OLD: catalog dates it 1.0, but QEMU 2.0 does not have it",
		"OLD: QEMU 1.5 has it, later dumps do not: say removed: VERSION",
	}
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			t.Errorf("missing difference %q in:\n%q", w, got)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d differences, want %d:\n%q", len(got), len(want), got)
	}
}

// eventA starts a test catalog of one event A, since 1.0: its fields follow.
const eventA = `
events:
  - name: A
    since: "1.0"
    doc: a
    fields:`

func testCatalog(t *testing.T, yaml string) *Catalog {
	t.Helper()
	cat, err := ParseCatalogYAML(map[string][]byte{"x.yaml": []byte(yaml)})
	if err != nil {
		t.Fatal(err)
	}
	return cat
}
