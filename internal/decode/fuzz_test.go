package decode

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"testing"
	"testing/iotest"
)

// Seeds beyond testdata/fuzz: real QEMU 7.2 messages and the shapes that
// broke parsers before (escapes, surrogates, deep nesting, big numbers).
var fuzzSeeds = []string{
	`{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": "Debian 1:7.2+dfsg-7"}, "capabilities": ["oob"]}}` + "\r\n",
	`{"return": {}, "id": 1}`,
	`{"error": {"class": "CommandNotFound", "desc": "The command foo has not been found"}, "id": "x"}`,
	`{"timestamp": {"seconds": 1700000001, "microseconds": 6}, "event": "BLOCK_JOB_READY", "data": {"device": "job1", "len": 18446744073709551615, "offset": 9007199254740993, "speed": 0, "type": "mirror"}}` + "\r\n",
	`{"timestamp": {"seconds": -1, "microseconds": -1}, "event": "SPICE_INITIALIZED", "data": {"client": {"connection-id": -1296444001, "host": "\u00e9\ud83d\ude00\"\\"}}}`,
	`{"event": "STOP"}{"event": "RESUME"}  {"event": "RESET", "data": {"guest": true, "reason": "guest-reset"}}`,
	`{"a": [1, 2.5e-3, -0, true, false, null, {"b": "}"}]}`,
	`QEMU 7.2.22 monitor - type 'help' for more information` + "\r\n(qemu) ",
	`{"event": "STOP", "timestamp": {"seconds": 1`,
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	`{"x": "\ud800"}`,
	`{"x": 1e999, "y": 0.000000000000000000001}`,
}

// splitAll splits data with a Framer reading through r.
func splitAll(r io.Reader) (msgs []string, end error) {
	f := NewFramer(r)
	f.Max = 1 << 16
	for {
		m, err := f.Next()
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, string(m))
	}
}

// splitReady is splitAll in three-byte reads, asking Ready before each
// Next and between reads: when it says a message is buffered, Next must
// return it without reading.
func splitReady(t *testing.T, data []byte) (msgs []string, end error) {
	r := &countingReader{r: &chunker{data: data, n: 3}}
	f := NewFramer(r)
	f.Max = 1 << 16
	for {
		ready := f.Ready()
		reads := r.reads
		m, err := f.Next()
		if ready && r.reads != reads {
			t.Fatalf("Ready said a message was buffered, but Next read (after %d messages)", len(msgs))
		}
		if err != nil {
			return msgs, err
		}
		msgs = append(msgs, string(m))
	}
}

// scanAll is splitAll through NextMessage, in reads of n bytes (0: whole),
// asking Ready before each message when ready is set: each message as
// "kind event seconds micros data raw", or the refused bytes.
func scanAll(data []byte, n int, ready bool) (msgs []string, end error) {
	var r io.Reader = bytes.NewReader(data)
	if n > 0 {
		r = &chunker{data: data, n: n}
	}
	f := NewFramer(r)
	f.Max = 1 << 16
	for {
		if ready {
			f.Ready()
		}
		m, err := f.NextMessage()
		var me *MessageError
		switch {
		case errors.As(err, &me):
			msgs = append(msgs, "refused "+string(me.Raw))
			continue
		case err != nil:
			return msgs, err
		}
		msgs = append(msgs, fmt.Sprintf("%d %q %d %d %q %q", m.Kind, m.Event, m.Seconds, m.Micros, m.Data, m.Raw))
	}
}

// scanReference is what Next then ScanMessage make of data, in the form
// of scanAll.
func scanReference(data []byte) (msgs []string, end error) {
	f := NewFramer(bytes.NewReader(data))
	f.Max = 1 << 16
	for {
		raw, err := f.Next()
		if err != nil {
			return msgs, err
		}
		m, err := ScanMessage(raw)
		if err != nil {
			msgs = append(msgs, "refused "+string(raw))
			continue
		}
		msgs = append(msgs, fmt.Sprintf("%d %q %d %d %q %q", m.Kind, m.Event, m.Seconds, m.Micros, m.Data, m.Raw))
	}
}

type countingReader struct {
	r     io.Reader
	reads int
}

func (c *countingReader) Read(p []byte) (int, error) {
	c.reads++
	return c.r.Read(p)
}

// FuzzFramer: the same stream read in one piece, one byte at a time, and in
// small reads with Ready asked before each message gives the same messages
// and ends the same way; every message it yields is one balanced object
// that the scanner and parser agree on.
func FuzzFramer(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		bulk, endBulk := splitAll(bytes.NewReader(data))
		single, endSingle := splitAll(iotest.OneByteReader(bytes.NewReader(data)))
		// NextMessage scans what Next frames as ScanMessage does, read
		// whole or in pieces, with or without Ready before.
		want, endWant := scanReference(data)
		for _, way := range []struct {
			n     int
			ready bool
		}{{0, false}, {0, true}, {1, false}, {3, true}, {7, true}} {
			got, endGot := scanAll(data, way.n, way.ready)
			if strings.Join(got, "\x00") != strings.Join(want, "\x00") || sameEnd(endGot) != sameEnd(endWant) {
				t.Fatalf("NextMessage in reads of %d (Ready %v): %q (%v); Next and ScanMessage: %q (%v)", way.n, way.ready, got, endGot, want, endWant)
			}
		}
		ready, endReady := splitReady(t, data)
		if strings.Join(ready, "\x00") != strings.Join(bulk, "\x00") || sameEnd(endReady) != sameEnd(endBulk) {
			t.Fatalf("with Ready: %q (%v), in one piece: %q (%v)", ready, endReady, bulk, endBulk)
		}
		if len(bulk) != len(single) {
			t.Fatalf("bulk read %d messages, byte-wise %d", len(bulk), len(single))
		}
		for i := range bulk {
			if bulk[i] != single[i] {
				t.Fatalf("message %d differs: %q vs %q", i, bulk[i], single[i])
			}
		}
		if sameEnd(endBulk) != sameEnd(endSingle) {
			t.Fatalf("ends differ: %v vs %v", endBulk, endSingle)
		}
		for _, m := range bulk {
			// The framer counts brackets of both kinds alike; a mismatch
			// such as {] is framed and then refused by ScanMessage.
			if m[0] != '{' || (m[len(m)-1] != '}' && m[len(m)-1] != ']') {
				t.Fatalf("message %q does not run from { to its closing bracket", m)
			}
			checkMessage(t, []byte(m))
		}
	})
}

// sameEnd classifies how a stream ended.
func sameEnd(err error) string {
	var ge *GarbageError
	var tl *TooLargeError
	switch {
	case err == io.EOF:
		return "eof"
	case errors.Is(err, ErrTruncated):
		return "truncated"
	case errors.As(err, &ge):
		return "garbage"
	case errors.As(err, &tl):
		return "too large"
	}
	return err.Error()
}

// checkMessage holds ScanMessage to what encoding/json thinks of the input,
// and the lazily decoded data to the scanned one.
func checkMessage(t *testing.T, raw []byte) {
	m, err := ScanMessage(raw)
	if err != nil {
		return
	}
	if !json.Valid(raw) {
		t.Fatalf("ScanMessage accepted invalid JSON %q", raw)
	}
	if _, err := Parse(raw); err != nil {
		t.Fatalf("ScanMessage accepted %q, Parse refused it: %v", raw, err)
	}
	if m.Kind != MsgEvent {
		return
	}
	ev := NewEvent(&m, "vm")
	if ev.Name == "" && m.Event != "" {
		t.Fatalf("event name lost in %q", raw)
	}
	d := ev.Data()
	if m.Data != nil && (d.Kind != Object) != (bytes.TrimSpace(m.Data)[0] != '{') {
		t.Fatalf("data of %q decoded as %v", raw, d.Kind)
	}
	if m.Data != nil {
		checkSized(t, m, d)
	}
	// Compacting keeps the message the same message.
	c := AppendCompact(nil, raw)
	m2, err := ScanMessage(c)
	if err != nil || m2.Kind != MsgEvent || m2.Event != m.Event || m2.Seconds != m.Seconds || m2.Micros != m.Micros {
		t.Fatalf("compacted %q to %q: %v", raw, c, err)
	}
}

// FuzzParse: Parse accepts exactly what encoding/json calls valid (short of
// its nesting limit), what it builds prints back to a fixed point with
// numbers kept as written, and AppendCompact compacts as encoding/json does.
func FuzzParse(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		valid := json.Valid(data)
		if err == nil && !valid {
			t.Fatalf("Parse accepted invalid JSON %q", data)
		}
		if err != nil {
			var se *SyntaxError
			if !errors.As(err, &se) || se.Offset < 0 || se.Offset > len(data) {
				t.Fatalf("error %v (%T) for %q", err, err, data)
			}
			if valid && len(data) < 2*maxDepth {
				t.Fatalf("Parse refused valid JSON %q: %v", data, err)
			}
			return
		}
		// Compacting is encoding/json's Compact, byte for byte.
		var want bytes.Buffer
		if err := json.Compact(&want, data); err == nil && !bytes.Equal(AppendCompact(nil, data), want.Bytes()) {
			t.Fatalf("AppendCompact(%q) = %q, encoding/json compacts to %q", data, AppendCompact(nil, data), want.Bytes())
		}
		out := v.AppendJSON(nil)
		v2, err := Parse(out)
		if err != nil {
			t.Fatalf("Parse(%q) printed %q, which does not parse: %v", data, out, err)
		}
		if out2 := v2.AppendJSON(nil); !bytes.Equal(out, out2) {
			t.Fatalf("not a fixed point: %q then %q", out, out2)
		}
		if v.Kind == Number && string(bytes.TrimSpace(data)) != v.Text {
			t.Fatalf("number %q kept as %q", data, v.Text)
		}
	})
}

// checkSized: the counts ScanMessage keeps for an event's data are the
// members and items of its tree, and the tree built on them at once is the
// one Parse builds.
func checkSized(t *testing.T, m Message, d Value) {
	t.Helper()
	members, items := treeSize(d)
	if m.dataMembers != members || m.dataItems != items {
		t.Fatalf("data %q: counted %d members and %d items, the tree has %d and %d", m.Data, m.dataMembers, m.dataItems, members, items)
	}
	plain, err := Parse(m.Data)
	if err != nil || !reflect.DeepEqual(plain, d) {
		t.Fatalf("data %q: sized tree %+v, Parse %+v (%v)", m.Data, d, plain, err)
	}
}

func treeSize(v Value) (members, items int) {
	for _, m := range v.Members {
		a, b := treeSize(m.Value)
		members, items = members+1+a, items+b
	}
	for _, it := range v.Items {
		a, b := treeSize(it)
		members, items = members+a, items+1+b
	}
	return members, items
}
