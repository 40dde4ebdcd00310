package source

import (
	"context"
	"errors"
	"io"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/exitcode"
)

// EndErr is what the error that ended a stream means for the run reading
// it: nil for its normal end (the input's end, an interrupt, QEMU closing),
// exit 1 already reported when some sources failed (each failure was a
// Status line), else the error itself.
func EndErr(ctx context.Context, err error) error {
	if ctx.Err() != nil || errors.Is(err, context.Canceled) || errors.Is(err, io.EOF) || errors.Is(err, conn.ErrClosed) {
		return nil
	}
	var fe *FailedError
	if errors.As(err, &fe) {
		return exitcode.Reported{Code: exitcode.Error}
	}
	return err
}
