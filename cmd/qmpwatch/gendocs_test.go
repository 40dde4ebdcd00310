package main

import (
	"bytes"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/gendocs"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
	"github.com/qmpwatch/qmpwatch/internal/testkit/golden"
)

// cliReference is the committed markdown reference, generated from the
// command tree (make docs).
const cliReference = "../../docs/cli"

// TestCLIReference regenerates docs/cli and fails when the committed
// reference differs (a flag or a help text changed without `make docs`).
// QMPWATCH_UPDATE=1 rewrites it.
func TestCLIReference(t *testing.T) {
	dir := t.TempDir()
	if err := gendocs.Markdown(newRootCmd(&app{streams: &iostreams.Streams{}}), dir); err != nil {
		t.Fatal(err)
	}
	got := readTree(t, dir)
	if golden.Update() {
		if err := os.RemoveAll(cliReference); err != nil {
			t.Fatal(err)
		}
		if err := os.MkdirAll(cliReference, 0o755); err != nil {
			t.Fatal(err)
		}
		for name, b := range got {
			if err := os.WriteFile(filepath.Join(cliReference, name), b, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		return
	}
	want := readTree(t, cliReference)
	for _, name := range slices.Sorted(maps.Keys(got)) {
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("docs/cli/%s is missing: run make docs (or QMPWATCH_UPDATE=1 go test ./cmd/qmpwatch -run TestCLIReference)", name)
		case !bytes.Equal(w, got[name]):
			t.Errorf("docs/cli/%s is stale: run make docs (or QMPWATCH_UPDATE=1 go test ./cmd/qmpwatch -run TestCLIReference)", name)
		}
	}
	for name := range want {
		if _, ok := got[name]; !ok {
			t.Errorf("docs/cli/%s documents no command: run make docs", name)
		}
	}
}

// TestManPages generates the man pages as `make man` does: one page for
// qmpwatch and one per visible command, each a man page of section 1.
func TestManPages(t *testing.T) {
	dir := t.TempDir()
	root := newRootCmd(&app{streams: &iostreams.Streams{}})
	if err := gendocs.Man(root, dir); err != nil {
		t.Fatal(err)
	}
	pages := readTree(t, dir)
	want := []string{"qmpwatch.1"}
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() {
			want = append(want, "qmpwatch-"+c.Name()+".1")
		}
	}
	for _, name := range want {
		b, ok := pages[name]
		if !ok {
			t.Errorf("no man page %s; got %v", name, slices.Sorted(maps.Keys(pages)))
			continue
		}
		if !bytes.Contains(b, []byte(".TH \"QMPWATCH\" \"1\"")) || !bytes.Contains(b, []byte(".SH NAME")) {
			t.Errorf("%s is not a section 1 man page:\n%.300s", name, b)
		}
	}
	if w := string(pages["qmpwatch-watch.1"]); !strings.Contains(w, "fail-without-shutdown") {
		t.Errorf("qmpwatch-watch.1 lacks watch's flags:\n%.600s", w)
	}
	if _, ok := pages["qmpwatch-gendocs.1"]; ok {
		t.Error("the hidden gendocs command has a man page")
	}
}

func readTree(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = b
	}
	return out
}
