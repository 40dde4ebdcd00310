package render

import "testing"

// needsJSONSafe reads eight bytes at a time: a DEL or a non-ASCII byte at
// any offset, in the words or the tail, is found; plain ASCII is not.
func TestNeedsJSONSafeEveryOffset(t *testing.T) {
	for n := 0; n < 20; n++ {
		plain := make([]byte, n)
		for i := range plain {
			plain[i] = byte('a' + i%26)
		}
		if needsJSONSafe(plain) {
			t.Fatalf("plain ASCII of %d bytes flagged", n)
		}
		for i := 0; i < n; i++ {
			for _, c := range []byte{0x7f, 0x80, 0xc2, 0xe2, 0xff} {
				b := append([]byte(nil), plain...)
				b[i] = c
				if !needsJSONSafe(b) {
					t.Errorf("byte %#x at %d of %d not flagged", c, i, n)
				}
			}
			// Bytes next to DEL in value (0x7e, 0x00) are not DEL.
			for _, c := range []byte{0x7e, 0x00, 0x01, 0x3f} {
				b := append([]byte(nil), plain...)
				b[i] = c
				if needsJSONSafe(b) {
					t.Errorf("byte %#x at %d of %d flagged", c, i, n)
				}
			}
		}
	}
}
