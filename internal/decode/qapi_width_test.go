package decode

import (
	"reflect"
	"testing"
)

// A dump that keeps QAPI's integer names (int_widths) is compared width by
// width; an older dump, which named every integer "int", is not.
func TestCompareQAPIIntWidths(t *testing.T) {
	cat := testCatalog(t, eventA+`
      - {name: n32, type: uint32, doc: n}
      - {name: n64, type: uint64, doc: n}
      - {name: s, type: size, doc: s}
      - {name: i, type: int, doc: i}
`)
	members := `[{"name": "n32", "type": "uint32"}, {"name": "n64", "type": "uint32"}, {"name": "s", "type": "uint64"}, {"name": "i", "type": "int8"}]`
	withWidths, err := ParseQAPIDump([]byte(`{"qemu": "2.0", "int_widths": true, "events": [{"name": "A", "since": "1.0", "members": ` + members + `}]}`))
	if err != nil {
		t.Fatal(err)
	}
	got := CompareQAPI(cat, []*QAPIDump{withWidths})
	want := []string{
		"A: data.n64: uint32 in QEMU, uint64 in the catalog",
		"A: data.s: uint64 in QEMU, size in the catalog",
		"A: data.i: int8 in QEMU, int in the catalog",
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("with widths:\n got %q\nwant %q", got, want)
	}
	old, _ := ParseQAPIDump([]byte(`{"qemu": "2.0", "events": [{"name": "A", "since": "1.0", "members": [{"name": "n32", "type": "int"}, {"name": "n64", "type": "int"}, {"name": "s", "type": "int"}, {"name": "i", "type": "int"}]}]}`))
	if got := CompareQAPI(cat, []*QAPIDump{old}); len(got) != 0 {
		t.Errorf("a dump without widths: %q", got)
	}
}
