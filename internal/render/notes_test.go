package render

import (
	"strconv"
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

func checkedEvent(t *testing.T, raw, vm string, at decode.Version) *decode.Event {
	t.Helper()
	m, err := decode.ScanMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	ev := decode.NewEvent(&m, vm)
	ev.Check = decode.Builtin().Validate(ev, at)
	return ev
}

func TestUnknownNotesOncePerVMAndEvent(t *testing.T) {
	var out strings.Builder
	n := NewUnknownNotes(&out, decode.Builtin().Newest())
	v11 := decode.Version{Major: 11}
	evs := []struct{ raw, vm string }{
		{`{"event": "NEW_\u001b[2JEVENT", "data": {}}`, "vm1"},
		{`{"event": "NEW_\u001b[2JEVENT", "data": {}}`, "vm1"},
		{`{"event": "NEW_\u001b[2JEVENT", "data": {}}`, "vm2"},
		{`{"event": "MIGRATION", "data": {"status": "post\u202ecopy-x"}}`, "vm1"},
		{`{"event": "MIGRATION", "data": {"status": "post\u202ecopy-x"}}`, "vm1"},
		{`{"event": "MIGRATION", "data": {"status": "active", "rate": 5}}`, "vm1"},
		{`{"event": "STOP"}`, "vm1"},
	}
	for _, e := range evs {
		n.Note(checkedEvent(t, e.raw, e.vm, v11))
	}
	want := `vm1: NEW_\x1b[2JEVENT: event not in the catalog, which knows QEMU up to 10.2; shown as sent
vm2: NEW_\x1b[2JEVENT: event not in the catalog, which knows QEMU up to 10.2; shown as sent
vm1: MIGRATION: data.status value "post\u202ecopy-x" not in the catalog, which knows QEMU up to 10.2; shown as sent
vm1: MIGRATION: data.rate not in the catalog, which knows QEMU up to 10.2; shown as sent
`
	if out.String() != want {
		t.Errorf("notes:\n%s\nwant:\n%s", out.String(), want)
	}
}

func TestUnknownNotesBounded(t *testing.T) {
	var out strings.Builder
	n := NewUnknownNotes(&out, decode.Builtin().Newest())
	for i := 0; i < maxNotes+10; i++ {
		n.Note(checkedEvent(t, `{"event": "STOP", "data": {"m`+strconv.Itoa(i)+`": 1}}`, "vm1", decode.Version{}))
	}
	if got := strings.Count(out.String(), "\n"); got != maxNotes+1 {
		t.Errorf("%d lines, want %d (then one line saying notices stop)", got, maxNotes+1)
	}
}
