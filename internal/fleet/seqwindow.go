package fleet

// seqWindow remembers which stream sequences a durable reader gave out, in a
// sliding bitmap of the last seqWindowBits sequences (128 KB): a redelivery
// is told from a message the client library dropped (a slow consumer after
// a reconnect, sent again only after the acknowledgement wait, behind newer
// ones) by whether its bit is set. A map of sequences bounded at 16,384 had
// forgotten too soon: under a flood, a dropped message came back more than
// 8,192 sequences later, counted as given, and was acknowledged unseen.
// Sequences below the window count as given: what the server sends again
// after a crash is what it had not yet recorded as acknowledged, which is
// recent; a dropped message comes back after one acknowledgement wait, and
// the window holds a million sequences (30 s of 33,000 events/s).
type seqWindow struct {
	base uint64   // every sequence at or below base counts as given
	bits []uint64 // sequence s is bit s % seqWindowBits, for base < s <= base+seqWindowBits
}

const seqWindowBits = 1 << 20

func (w *seqWindow) has(seq uint64) bool {
	switch {
	case seq <= w.base:
		return true
	case seq > w.base+seqWindowBits || w.bits == nil:
		return false
	}
	i := seq % seqWindowBits
	return w.bits[i/64]&(1<<(i%64)) != 0
}

func (w *seqWindow) add(seq uint64) {
	if w.bits == nil {
		w.bits = make([]uint64, seqWindowBits/64)
	}
	if seq <= w.base {
		return
	}
	if seq > w.base+seqWindowBits {
		// Slide so that seq is in, half a window ahead: the slots of the
		// sequences left behind are cleared for the ones to come.
		w.slide(seq - seqWindowBits/2)
	}
	i := seq % seqWindowBits
	w.bits[i/64] |= 1 << (i % 64)
}

// slide moves base up to nb, clearing the slots of (base, nb].
func (w *seqWindow) slide(nb uint64) {
	if nb-w.base >= seqWindowBits {
		clear(w.bits)
	} else {
		for s := w.base + 1; s <= nb; s++ {
			i := s % seqWindowBits
			w.bits[i/64] &^= 1 << (i % 64)
		}
	}
	w.base = nb
}
