package decode

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// slowCheck is Validate without the raw fast path.
func slowCheck(c *Catalog, ev *Event, v Version) Check {
	spec := c.Lookup(ev.Name)
	w := walker{v: v, event: spec.Since}
	data := ev.Data()
	w.push("data", 0)
	w.value(&data, spec.data)
	return Check{Checked: true, Problems: w.problems, UnknownFields: w.unknown}
}

// TestRawCleanAgreesWithTheWalker runs both paths on every recorded real
// QEMU event and on mutations of each (a member removed, a value of the
// wrong type, an unknown member, an unknown enum value): the fast path may
// only call an event clean when the full walk finds nothing.
func TestRawCleanAgreesWithTheWalker(t *testing.T) {
	files, _ := filepath.Glob("../../testdata/recordings/*.qmp")
	if len(files) == 0 {
		t.Fatal("no recordings")
	}
	cat := Builtin()
	var datas []string
	var names []string
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(fh)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			m, err := ScanMessage([]byte(strings.TrimSpace(sc.Text())))
			if err != nil || m.Kind != MsgEvent || m.Data == nil || cat.Lookup(m.Event) == nil {
				continue
			}
			names = append(names, m.Event)
			datas = append(datas, string(m.Data))
		}
		fh.Close()
	}
	clean, dirty := 0, 0
	for i, d := range datas {
		variants := []string{d}
		v, _ := Parse([]byte(d))
		for j := range v.Members {
			drop := v
			drop.Members = append(append([]Member(nil), v.Members[:j]...), v.Members[j+1:]...)
			variants = append(variants, drop.String())
			for _, repl := range []Value{{Kind: String, Text: "zz"}, {Kind: Number, Text: "1.5"}, {Kind: Bool}, {}} {
				mut := v
				mut.Members = append([]Member(nil), v.Members...)
				mut.Members[j].Value = repl
				variants = append(variants, mut.String())
			}
		}
		extra := v
		extra.Members = append(append([]Member(nil), v.Members...), Member{Key: "new-field", Value: Value{Kind: Number, Text: "1"}})
		variants = append(variants, extra.String(), `{`+d[1:len(d)-1]+` `, "[]", `"x"`)
		for _, vd := range variants {
			for _, ver := range []Version{{}, {1, 3, 0}, {7, 2, 22}} {
				ev := &Event{Name: names[i], DataRaw: []byte(vd)}
				if _, err := Parse(ev.DataRaw); err != nil {
					continue // the scanner never hands over invalid JSON
				}
				w := walker{v: ver, event: cat.Lookup(names[i]).Since}
				fast := rawClean(ev.DataRaw, cat.Lookup(names[i]).data, &w)
				slow := slowCheck(cat, ev, ver)
				slowClean := len(slow.Problems) == 0 && len(slow.UnknownFields) == 0
				if fast && !slowClean {
					t.Errorf("%s %s as %s: fast path says clean, the walk finds %v %v", names[i], vd, ver, slow.Problems, slow.UnknownFields)
				}
				if fast {
					clean++
				} else {
					dirty++
				}
			}
		}
	}
	if clean == 0 || dirty == 0 {
		t.Errorf("clean %d, not clean %d: both paths should be exercised", clean, dirty)
	}
	// And every recorded event as QEMU 7.2 sent it is clean on the fast path.
	for i, d := range datas {
		w := walker{v: Version{7, 2, 22}, event: cat.Lookup(names[i]).Since}
		if !rawClean([]byte(d), cat.Lookup(names[i]).data, &w) {
			t.Errorf("recorded %s %s is not clean on the fast path", names[i], d)
		}
	}
}
