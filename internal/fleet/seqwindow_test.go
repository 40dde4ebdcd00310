package fleet

import "testing"

// A dropped message comes back far behind newer ones: still known as not
// given while it is in the window; sliding forgets only what is far behind.
func TestSeqWindow(t *testing.T) {
	var w seqWindow
	for s := uint64(1); s <= 100_000; s++ {
		if s != 5_000 {
			w.add(s)
		}
	}
	if w.has(5_000) {
		t.Fatal("a sequence never given counts as given 95,000 sequences later")
	}
	if !w.has(4_999) || !w.has(100_000) || w.has(100_001) {
		t.Fatal("given sequences not known")
	}
	// Past the window: it slides half a window behind the new top, and
	// what it left behind counts as given; slots are reused cleanly.
	far := uint64(seqWindowBits + 200_000)
	w.add(far)
	if w.base != far-seqWindowBits/2 || !w.has(5_000) {
		t.Fatalf("base %d after %d, want %d", w.base, far, far-seqWindowBits/2)
	}
	if w.has(far-1) || w.has(far+1) || !w.has(far) {
		t.Fatal("slots of forgotten sequences not cleared")
	}
	w.add(far + 3*seqWindowBits) // a jump beyond the whole window
	if w.has(far+3*seqWindowBits-1) || !w.has(far+3*seqWindowBits) {
		t.Fatal("a jump past the window left stale slots")
	}
}
