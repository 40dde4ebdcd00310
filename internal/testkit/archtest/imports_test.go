package archtest

import (
	"bufio"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
)

const module = "github.com/qmpwatch/qmpwatch/"

// allowed reads the table "Who may import what" of docs/ARCHITECTURE.md:
// package → the packages of qmpwatch it may import.
func allowed(t *testing.T, root string) map[string]map[string]bool {
	f, err := os.Open(filepath.Join(root, "docs", "ARCHITECTURE.md"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rules := map[string]map[string]bool{}
	in := false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "## ") {
			in = line == "## Who may import what"
			continue
		}
		if !in || !strings.HasPrefix(line, "| `") {
			continue
		}
		cells := strings.Split(line, "|")
		pkg := strings.Trim(strings.TrimSpace(cells[1]), "`")
		may := map[string]bool{}
		for _, p := range strings.Split(cells[2], ",") {
			if p = strings.TrimSpace(p); p != "" {
				may["internal/"+p] = true
			}
		}
		rules[pkg] = may
	}
	if len(rules) == 0 {
		t.Fatal("docs/ARCHITECTURE.md has no table under \"## Who may import what\"")
	}
	return rules
}

// imports are the packages of qmpwatch that the non-test files of each
// package import, by package path relative to the module.
func imports(t *testing.T, root string) map[string]map[string]bool {
	out := map[string]map[string]bool{}
	err := filepath.WalkDir(root, func(path string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			if _, err := os.Stat(filepath.Join(path, "go.mod")); err == nil && path != root {
				return filepath.SkipDir // a module of its own (tools/otelcol)
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		rel, _ := filepath.Rel(root, filepath.Dir(path))
		f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ImportsOnly)
		if err != nil {
			return err
		}
		if _, ok := out[rel]; !ok {
			out[rel] = map[string]bool{}
		}
		for _, im := range f.Imports {
			p, _ := strconv.Unquote(im.Path.Value)
			if strings.HasPrefix(p, module) {
				out[rel][strings.TrimPrefix(p, module)] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// TestImportsFollowTheArchitecture fails when a package imports a package
// of qmpwatch its row does not allow, or has no row: change the code, or
// change the document (and say why in the row).
func TestImportsFollowTheArchitecture(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	rules := allowed(t, root)
	pkgs := imports(t, root)
	names := make([]string, 0, len(pkgs))
	for p := range pkgs {
		names = append(names, p)
	}
	sort.Strings(names)
	for _, pkg := range names {
		if pkg == "internal/testkit/archtest" {
			continue
		}
		may, ok := rules[pkg]
		if !ok {
			t.Errorf("%s has no row in docs/ARCHITECTURE.md's \"Who may import what\"", pkg)
			continue
		}
		for im := range pkgs[pkg] {
			if !may[im] {
				t.Errorf("%s imports %s, which docs/ARCHITECTURE.md does not allow it", pkg, im)
			}
		}
	}
}

// TestTestOnlyPackagesLiveInTestkit keeps test helpers in one place: a
// package of internal/ that no program code imports is a test helper and
// belongs under internal/testkit, and a package there is never imported by
// program code (scripts/ may: skipsummary reads realpart's records).
func TestTestOnlyPackagesLiveInTestkit(t *testing.T) {
	root, err := filepath.Abs(filepath.Join("..", "..", ".."))
	if err != nil {
		t.Fatal(err)
	}
	pkgs := imports(t, root)
	importedByProgram := map[string]bool{}
	for pkg, ims := range pkgs {
		if strings.HasPrefix(pkg, "internal/testkit/") || strings.HasPrefix(pkg, "scripts/") {
			continue
		}
		for im := range ims {
			importedByProgram[im] = true
		}
	}
	for pkg := range pkgs {
		inKit := strings.HasPrefix(pkg, "internal/testkit/")
		switch {
		case inKit && importedByProgram[pkg]:
			t.Errorf("%s is imported by program code: a test helper must not be", pkg)
		case !inKit && strings.HasPrefix(pkg, "internal/") && !importedByProgram[pkg]:
			t.Errorf("%s is imported only by tests: move it under internal/testkit", pkg)
		}
	}
}
