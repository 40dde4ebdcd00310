package decode

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"testing"
)

func TestFromQMPSchema(t *testing.T) {
	ret := `[
	 {"name": "X_EVENT", "meta-type": "event", "arg-type": "1"},
	 {"name": "NO_DATA", "meta-type": "event"},
	 {"name": "1", "meta-type": "object", "members": [
	   {"name": "a", "type": "str"}, {"name": "b", "default": null, "type": "2"},
	   {"name": "c", "type": "[int]"}, {"name": "d", "type": "3"}, {"name": "e", "type": "4", "default": null}]},
	 {"name": "2", "meta-type": "enum", "members": [{"name": "on"}, {"name": "off"}], "values": ["on", "off"]},
	 {"name": "[int]", "meta-type": "array", "element-type": "int"},
	 {"name": "3", "meta-type": "alternate", "members": [{"type": "int"}, {"type": "str"}]},
	 {"name": "4", "meta-type": "object", "tag": "t", "members": [{"name": "t", "type": "2"}],
	  "variants": [{"case": "on", "type": "5"}, {"case": "off", "type": "0"}]},
	 {"name": "5", "meta-type": "object", "members": [{"name": "n", "type": "int"}]},
	 {"name": "0", "meta-type": "object", "members": []},
	 {"name": "str", "meta-type": "builtin", "json-type": "string"},
	 {"name": "int", "meta-type": "builtin", "json-type": "int"}]`
	c, err := FromQMPSchema([]byte(ret))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(c.Events()); n != 2 {
		t.Fatalf("%d events", n)
	}
	e := c.Lookup("X_EVENT")
	var got []string
	for _, f := range e.Fields {
		got = append(got, f.Name+":"+f.Type.String()+":"+optName(f.Optional))
	}
	want := []string{"a:str:required", "b:enum(on, off):optional", "c:array of int:required", "d:int | str:required", "e:object:optional"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %q\nwant %q", got, want)
	}
	ck := c.Validate(mustEvent(t, `{"event":"X_EVENT","data":{"a":"x","c":[1,2],"d":"s","e":{"t":"on","n":"1"}}}`), Version{})
	if len(ck.Problems) != 1 || ck.Problems[0].String() != `data.e.n: want int, got string "1"` {
		t.Errorf("problems %v", ck.Problems)
	}
	if _, err := FromQMPSchema([]byte(`[{"name":"E","meta-type":"event","arg-type":"9"}]`)); err == nil {
		t.Error("dangling type name accepted")
	}
}

// TestRecordedSchema checks the recording of QEMU 7.2's schema, when the
// integration tests have made one, without needing QEMU.
func TestRecordedSchema(t *testing.T) {
	ret, err := os.ReadFile("../../testdata/recordings/schema.json")
	if err != nil {
		t.Skip("no recorded schema: ", err)
	}
	live, err := FromQMPSchema(ret)
	if err != nil {
		t.Fatal(err)
	}
	if d := DiffSchemas(Builtin(), live, Version{7, 2, 22}); !d.Empty() {
		t.Errorf("extra %v, fields %v", d.Extra, d.Fields)
	}
}

// TestRecordedEvents validates every event recorded from real QEMU 7.2 by
// the integration tests (testdata/recordings/*.qmp) clean as QEMU 7.2.
func TestRecordedEvents(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/recordings/*.qmp")
	if len(files) == 0 {
		t.Skip("no recordings")
	}
	n := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var ver Version
		for _, line := range bytes.Split(b, []byte("\n")) {
			if g, err := Parse(line); err == nil {
				if q, ok := g.Path("QMP", "version", "qemu"); ok {
					num := func(k string) int { x, _ := q.Get(k); n, _ := x.Int64(); return int(n) }
					ver = Version{num("major"), num("minor"), num("micro")}
				}
			}
			m, err := ScanMessage(line)
			if err != nil || m.Kind != MsgEvent {
				continue
			}
			ev := NewEvent(&m, "rec")
			ck := Builtin().Validate(ev, ver)
			if ck.Unknown || len(ck.Problems) > 0 || len(ck.UnknownFields) > 0 {
				t.Errorf("%s: %s as %v: %+v", filepath.Base(f), line, ver, ck)
			}
			n++
		}
	}
	t.Logf("%d recorded events validated", n)
}
