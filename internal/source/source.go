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
