package decode_test

import (
	"bufio"
	"encoding/json"
	"net"
	"os"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// rawQMP is a deliberately dumb QMP client over a raw socket, so that this
// test checks the catalog against QEMU without trusting internal/conn.
type rawQMP struct {
	t  *testing.T
	c  net.Conn
	r  *bufio.Reader
	ev [][]byte
}

func dialRaw(t *testing.T, path string) (*rawQMP, decode.Version) {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	q := &rawQMP{t: t, c: c, r: bufio.NewReader(c)}
	var greet struct {
		QMP struct {
			Version struct {
				QEMU decode.Version `json:"qemu"`
			} `json:"version"`
		} `json:"QMP"`
	}
	if err := json.Unmarshal(q.line(), &greet); err != nil {
		t.Fatalf("greeting: %v", err)
	}
	q.call(`{"execute":"qmp_capabilities","id":"caps"}`, "caps")
	return q, greet.QMP.Version.QEMU
}

// line reads one message; query-qmp-schema is one line of ~200 KB.
func (q *rawQMP) line() []byte {
	q.c.SetReadDeadline(time.Now().Add(30 * time.Second))
	b, err := q.r.ReadBytes('\n')
	if err != nil {
		q.t.Fatalf("read: %v", err)
	}
	return b
}

// call sends a command and returns the raw "return", keeping events.
func (q *rawQMP) call(cmd, id string) json.RawMessage {
	q.t.Helper()
	if _, err := q.c.Write([]byte(cmd + "\n")); err != nil {
		q.t.Fatal(err)
	}
	for {
		b := q.line()
		var m struct {
			Event  string          `json:"event"`
			ID     string          `json:"id"`
			Return json.RawMessage `json:"return"`
			Error  json.RawMessage `json:"error"`
		}
		if err := json.Unmarshal(b, &m); err != nil {
			q.t.Fatalf("bad message %q: %v", b, err)
		}
		switch {
		case m.Event != "":
			q.ev = append(q.ev, b)
		case m.ID == id && m.Error != nil:
			q.t.Fatalf("%s: %s", cmd, m.Error)
		case m.ID == id:
			return m.Return
		}
	}
}

func (q *rawQMP) waitEvent(name string) {
	q.t.Helper()
	for _, b := range q.ev {
		if strings.Contains(string(b), `"event": "`+name+`"`) {
			return
		}
	}
	for {
		b := q.line()
		q.ev = append(q.ev, b)
		if strings.Contains(string(b), `"event": "`+name+`"`) {
			return
		}
	}
}

// TestCatalogAgainstRealQEMU proves the catalog against the installed QEMU:
// every event its query-qmp-schema reports is in Builtin() with the same
// member names, types and optionality (numbered types followed by this
// test's own walk over the raw JSON), FromQMPSchema builds the same thing,
// and the events this QEMU really emits validate clean as its version.
// Under CI=true a missing QEMU fails the test (qemutest.Need).
func TestCatalogAgainstRealQEMU(t *testing.T) {
	vm := qemutest.Start(t, qemutest.Options{Name: "schema"})
	q, ver := dialRaw(t, vm.Monitor)
	if !ver.Known() {
		t.Fatal("no version in the greeting")
	}
	ret := q.call(`{"execute":"query-qmp-schema","id":"schema"}`, "schema")
	if os.Getenv("QMPWATCH_SAVE_SCHEMA") != "" {
		os.WriteFile(os.Getenv("QMPWATCH_SAVE_SCHEMA"), ret, 0o644)
	}

	// 1. An independent walk of the raw schema against the builtin catalog.
	var ents []map[string]any
	if err := json.Unmarshal(ret, &ents); err != nil {
		t.Fatal(err)
	}
	byName := map[string]map[string]any{}
	for _, e := range ents {
		byName[e["name"].(string)] = e
	}
	cat := decode.Builtin()
	var events []string
	for _, e := range ents {
		if e["meta-type"] != "event" {
			continue
		}
		name := e["name"].(string)
		events = append(events, name)
		spec := cat.Lookup(name)
		if spec == nil {
			t.Errorf("QEMU %v reports %s, which the catalog lacks", ver, name)
			continue
		}
		w := rawWalker{t: t, by: byName, v: ver, event: name}
		if at, ok := e["arg-type"].(string); ok {
			w.object("data", spec.Fields, nil, "", at)
		} else if len(spec.Fields) > 0 {
			t.Errorf("%s: no data in QEMU, catalog lists %d fields", name, len(spec.Fields))
		}
	}
	t.Logf("QEMU %v reports %d events; catalog has %d", ver, len(events), len(cat.Events()))
	if ver.Major == 7 && ver.Minor == 2 && len(events) != 52 {
		t.Errorf("QEMU 7.2 reported %d events, want 52", len(events))
	}

	// 2. FromQMPSchema must agree: same events, no differences.
	live, err := decode.FromQMPSchema(ret)
	if err != nil {
		t.Fatal(err)
	}
	var liveNames []string
	for _, e := range live.Events() {
		liveNames = append(liveNames, e.Name)
	}
	sort.Strings(events)
	if strings.Join(liveNames, ",") != strings.Join(events, ",") {
		t.Errorf("FromQMPSchema events:\n %v\nwant\n %v", liveNames, events)
	}
	d := decode.DiffSchemas(cat, live, ver)
	if !d.Empty() {
		t.Errorf("catalog vs FromQMPSchema: extra %v, fields %v", d.Extra, d.Fields)
	}
	if len(d.Missing) > 0 {
		t.Logf("catalog events this build lacks: %v", d.Missing)
	}

	// 3. Real events validate clean, against both schemas.
	vm.MustDo(t, "stop", nil)
	vm.MustDo(t, "cont", nil)
	vm.MustDo(t, "system_reset", nil)
	q.waitEvent("RESET")
	for _, raw := range q.ev {
		m, err := decode.ScanMessage(raw)
		if err != nil {
			t.Fatal(err)
		}
		ev := decode.NewEvent(&m, "schema")
		for which, c := range map[string]*decode.Catalog{"builtin": cat, "live": live} {
			ck := c.Validate(ev, ver)
			if ck.Unknown || len(ck.Problems) > 0 || len(ck.UnknownFields) > 0 {
				t.Errorf("%s against %s: %+v\n%s", ev.Name, which, ck, raw)
			}
		}
	}
	if len(q.ev) < 3 {
		t.Errorf("saw only %d events", len(q.ev))
	}
}

// rawWalker compares a schema entity, followed through its numbered type
// names in the raw JSON, with catalog fields.
type rawWalker struct {
	t     *testing.T
	by    map[string]map[string]any
	v     decode.Version
	event string
}

func (w *rawWalker) errorf(path, format string, args ...any) {
	w.t.Helper()
	w.t.Errorf(w.event+": "+path+": "+format, args...)
}

// object compares an object entity's members (and its union variants) with
// fields; variants/tag are the catalog's, when it describes a union.
func (w *rawWalker) object(path string, fields []*decode.Field, variants map[string][]*decode.Field, tag string, typeName string) {
	ent := w.by[typeName]
	if ent["meta-type"] != "object" {
		w.errorf(path, "QEMU type %s is a %v, not an object", typeName, ent["meta-type"])
		return
	}
	w.members(path, fields, ent["members"])
	if vs, ok := ent["variants"].([]any); ok {
		if ent["tag"] != tag {
			w.errorf(path, "QEMU union tag %v, catalog %q", ent["tag"], tag)
		}
		for _, vv := range vs {
			vm := vv.(map[string]any)
			cs := vm["case"].(string)
			vent := w.by[vm["type"].(string)]
			if len(vent["members"].([]any)) == 0 {
				continue
			}
			cf, ok := variants[cs]
			if !ok {
				w.errorf(path, "variant %s missing from the catalog", cs)
				continue
			}
			w.members(path, cf, vent["members"])
		}
	}
}

func (w *rawWalker) members(path string, fields []*decode.Field, raw any) {
	ms, _ := raw.([]any)
	seen := map[string]bool{}
	for _, m := range ms {
		mm := m.(map[string]any)
		name := mm["name"].(string)
		seen[name] = true
		_, optional := mm["default"]
		var f *decode.Field
		for _, cf := range fields {
			if cf.Name == name {
				f = cf
			}
		}
		p := path + "." + name
		if f == nil {
			w.errorf(p, "member missing from the catalog")
			continue
		}
		if f.Optional != optional {
			w.errorf(p, "optional=%v in QEMU, %v in the catalog", optional, f.Optional)
		}
		w.typ(p, f.Type, mm["type"].(string))
	}
	for _, f := range fields {
		if !seen[f.Name] && !(f.Since.Known() && w.v.Less(f.Since)) {
			w.errorf(path+"."+f.Name, "in the catalog but not in QEMU %v", w.v)
		}
	}
}

func (w *rawWalker) typ(path string, t *decode.Type, typeName string) {
	ent := w.by[typeName]
	switch ent["meta-type"] {
	case "builtin":
		want := map[string]string{"string": "str", "int": "int", "number": "number", "boolean": "bool", "null": "null"}[ent["json-type"].(string)]
		if want == "" {
			want = "any"
		}
		if t.Kind != want && !(want == "int" && t.Kind == decode.KindUint) {
			w.errorf(path, "QEMU builtin %s (%s), catalog %s", typeName, ent["json-type"], t.Kind)
		}
	case "enum":
		if t.Kind != "enum" {
			w.errorf(path, "QEMU enum, catalog %s", t.Kind)
			return
		}
		for _, val := range ent["values"].([]any) {
			found := false
			for _, cv := range t.Values {
				found = found || cv == val
			}
			if !found {
				w.errorf(path, "enum value %q missing from the catalog", val)
			}
		}
	case "array":
		if t.Kind != "array" {
			w.errorf(path, "QEMU array, catalog %s", t.Kind)
			return
		}
		w.typ(path+"[]", t.Elem, ent["element-type"].(string))
	case "object":
		if t.Kind != "object" {
			w.errorf(path, "QEMU object, catalog %s", t.Kind)
			return
		}
		w.object(path, t.Members, t.Variants, t.Tag, typeName)
	case "alternate":
		if t.Kind != "alternate" {
			w.errorf(path, "QEMU alternate, catalog %s", t.Kind)
		}
	default:
		w.errorf(path, "unexpected QEMU meta-type %v", ent["meta-type"])
	}
}
