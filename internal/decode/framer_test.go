package decode

import (
	"bytes"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"
)

const transcript = "{\"QMP\": {\"version\": {\"qemu\": {\"micro\": 22, \"minor\": 2, \"major\": 7}}, \"capabilities\": [\"oob\"]}}\r\n" +
	"{\"return\": {}}\r\n" +
	"{\"timestamp\": {\"seconds\": 1, \"microseconds\": 2}, \"event\": \"X\", \"data\": {\"s\": \"} ] { \\\" [\"}}\r\n" +
	"{\"return\": {\"name\": \"vm1\"}, \"id\": 1}{\"event\":\"Y\"}\n\n  {\"event\": \"Z\"}"

func frames(t *testing.T, r io.Reader) ([]string, error) {
	t.Helper()
	f := NewFramer(r)
	var out []string
	for {
		b, err := f.Next()
		if err != nil {
			return out, err
		}
		out = append(out, string(b))
	}
}

// TestFramerChunking feeds the same stream whole, byte by byte, and in
// two-byte chunks on even and odd boundaries: the messages must not change.
func TestFramerChunking(t *testing.T) {
	want, err := frames(t, strings.NewReader(transcript))
	if err != io.EOF || len(want) != 6 {
		t.Fatalf("whole: %d messages, %v", len(want), err)
	}
	readers := map[string]io.Reader{
		"one byte": iotest.OneByteReader(strings.NewReader(transcript)),
		"half":     iotest.HalfReader(strings.NewReader(transcript)),
		"even 2":   &chunker{data: []byte(transcript), n: 2},
		"odd 2":    &chunker{data: []byte(transcript), n: 2, first: 1},
		"crlf":     strings.NewReader(strings.ReplaceAll(transcript, "\n", "\r\n")),
	}
	for name, r := range readers {
		got, err := frames(t, r)
		if err != io.EOF || strings.Join(got, "|") != strings.Join(want, "|") {
			t.Errorf("%s: got %q (%v)", name, got, err)
		}
	}
}

type chunker struct {
	data     []byte
	n, first int
}

func (c *chunker) Read(p []byte) (int, error) {
	if len(c.data) == 0 {
		return 0, io.EOF
	}
	n := c.n
	if c.first > 0 {
		n, c.first = c.first, 0
	}
	n = min(n, len(p), len(c.data))
	copy(p, c.data[:n])
	c.data = c.data[n:]
	return n, nil
}

func TestFramerLargeAndLimits(t *testing.T) {
	big := `{"return": "` + strings.Repeat("a", 3<<20) + `"}`
	got, err := frames(t, strings.NewReader(big))
	if err != io.EOF || len(got) != 1 || len(got[0]) != len(big) {
		t.Fatalf("3 MB message: %d frames, %v", len(got), err)
	}
	f := NewFramer(strings.NewReader(big))
	f.Max = 1 << 20
	var tl *TooLargeError
	if _, err := f.Next(); !errors.As(err, &tl) {
		t.Errorf("over the limit: %v, want TooLargeError", err)
	}
}

func TestFramerErrors(t *testing.T) {
	_, err := frames(t, strings.NewReader(`{"event": "X"}{"event": "Y", "da`))
	if !errors.Is(err, ErrTruncated) {
		t.Errorf("truncated: %v", err)
	}
	_, err = frames(t, strings.NewReader("QEMU 7.2.22 monitor - type 'help' for more information\r\n(qemu) "))
	var ge *GarbageError
	if !errors.As(err, &ge) || !bytes.HasPrefix(ge.Text, []byte("QEMU 7.2.22 monitor")) {
		t.Errorf("HMP banner: %v", err)
	}
}
