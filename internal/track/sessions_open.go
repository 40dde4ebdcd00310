package track

// The open sessions of one VM: added in start order, ended in O(1) (the
// slot is swept out later), at most MaxOpen at a time.

// add puts s among v's open sessions, unless v has MaxOpen open already:
// then s is not tracked, the owner is told once, and add returns false.
func (t *Sessions) add(v *vmSessions, s *Session) bool {
	if v.nVNC+v.nSPI >= MaxOpen {
		t.say(s.VM, FullSessions, MaxOpen)
		return false
	}
	s.tracked = true
	v.open = append(v.open, s)
	v.count(s, 1)
	return true
}

func (v *vmSessions) count(s *Session, n int) {
	if s.Protocol == VNC {
		v.nVNC += n
	} else {
		v.nSPI += n
	}
}

// close moves s from the open sessions to the ended ones. Its slot in
// v.open is swept out once half the slots are dead, so ending sessions
// costs O(1) each however many are open.
func (v *vmSessions) close(s *Session) {
	if s.tracked {
		s.tracked = false
		v.count(s, -1)
		v.dead++
		if v.dead > 16 && v.dead*2 > len(v.open) {
			live := v.open[:0]
			for _, o := range v.open {
				if o.tracked {
					live = append(live, o)
				}
			}
			clear(v.open[len(live):])
			v.open, v.dead = live, 0
		}
	}
	v.retire(s)
}

// retire keeps s among the last keep ended sessions.
func (v *vmSessions) retire(s *Session) {
	if v.keep == 0 {
		return
	}
	if len(v.ended) >= v.keep {
		v.ended = append(v.ended[:0], v.ended[1:]...)
	}
	v.ended = append(v.ended, s)
}
