package source

import (
	"context"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Source is anything events come from: a monitor, a listener, a folder of
// sockets, logs, or a Merge of them. Every event it returns says where it
// came from: Event.VM is the VM's label and Event.QEMU the version of the
// QEMU that sent it (zero when the source cannot know). At the end of the
// input Next returns an error wrapping io.EOF (ErrEnded for a Merge).
type Source interface {
	Next(ctx context.Context) (*decode.Event, error)
}

// Ender is a Source with something to say about its end (how the session
// ended) that must come after the events before it: the consumer calls
// Ended once it has written them, after Next returned the end.
type Ender interface {
	Ended()
}

// Batcher is a Source that can hand on several events at once: those it
// has already read, in order (at least one). The pipeline takes batches
// from a Batcher, one queue operation for many events under load.
type Batcher interface {
	Source
	NextBatch(ctx context.Context) ([]*decode.Event, error)
}
