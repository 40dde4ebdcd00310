package source

import (
	"math/rand/v2"
	"time"
)

// Backoff yields exponentially growing delays with jitter, so that many
// qmpwatch instances (or many sources) do not redial in lockstep.
type Backoff struct {
	Min, Max time.Duration
	next     time.Duration
}

// DefaultBackoff starts at 100 ms and stops growing at 5 s.
func DefaultBackoff() *Backoff { return &Backoff{Min: 100 * time.Millisecond, Max: 5 * time.Second} }

// Next returns the delay before the next attempt: a random time between half
// and all of the current step, which then doubles up to Max.
func (b *Backoff) Next() time.Duration {
	if b.next < b.Min {
		b.next = b.Min
	}
	d := b.next
	b.next *= 2
	if b.next > b.Max {
		b.next = b.Max
	}
	return d/2 + rand.N(d/2+1)
}

// Reset starts over from Min, after a success.
func (b *Backoff) Reset() { b.next = 0 }
