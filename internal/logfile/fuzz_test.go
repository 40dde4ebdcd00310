package logfile

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// FuzzParseLine: any line is an event, nothing, or an error, never two of
// them; an event is a well-formed QMP event that owns its bytes; and a
// whole input made of such lines reads to its end.
func FuzzParseLine(f *testing.F) {
	for _, s := range []string{
		`{"timestamp": {"seconds": 1700000000, "microseconds": 5}, "event": "STOP"}`,
		`{"timestamp":{"seconds":1700000001,"microseconds":6},"event":"BLOCK_JOB_READY","data":{"device":"job1","len":18446744073709551615},"vm":"vm1"}`,
		`{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}`,
		`{"return": {}, "id": 1}`,
		`{"execute": "qmp_capabilities"}`,
		`event SHUTDOWN at 1700000000.123456 for domain 'vm1': {"guest":false,"reason":"host-qmp-quit"}`,
		`event STOP at 1700000000.000001 for domain vm1: <null>`,
		`2023-11-14 22:13:20.123+0000: event RESET for domain 'web 1': {"guest":true,"reason":"guest-reset"}`,
		`2023-11-14 22:13:20.123+0000: event`,
		"event  at . for domain '': ",
		"\x1f\x8b garbage",
		"",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, line []byte) {
		r := &Reader{o: Options{Name: "fuzz", Label: "fuzz"}}
		in := append([]byte(nil), line...)
		ev, err := r.parse(in)
		if ev != nil && err != nil {
			t.Fatalf("%q gave both an event and %v", line, err)
		}
		if ev != nil {
			raw := append([]byte(nil), ev.Raw...)
			m, err := decode.ScanMessage(ev.Raw)
			if err != nil || m.Kind != decode.MsgEvent || m.Event != ev.Name {
				t.Fatalf("%q gave event %q (%s), which scans as %v, %v", line, ev.Raw, ev.Name, m.Kind, err)
			}
			ev.Data() // decodes without panicking
			for i := range in {
				in[i] = 'X'
			}
			if !bytes.Equal(raw, ev.Raw) {
				t.Fatalf("the event of %q changed with the line buffer", line)
			}
		}
		// The same bytes as a file of lines.
		rd, err := NewReader(bytes.NewReader(line), Options{Name: "fuzz"})
		if err != nil {
			return // a gzip header that does not hold up
		}
		defer rd.Close()
		for n := 0; ; n++ {
			if n > len(line)+1 {
				t.Fatalf("%q yielded more events than it has lines", line)
			}
			if _, err := rd.Next(context.Background()); err != nil {
				if !errors.Is(err, io.EOF) && !errors.Is(err, io.ErrUnexpectedEOF) && !bytes.HasPrefix(line, []byte{0x1f, 0x8b}) {
					t.Fatalf("%q: %v", line, err)
				}
				break
			}
		}
	})
}
