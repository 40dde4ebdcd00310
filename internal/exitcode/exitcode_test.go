package exitcode

import (
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestOf(t *testing.T) {
	for _, c := range []struct {
		err  error
		want int
	}{
		{nil, OK},
		{errors.New("plain"), Error},
		{Usagef("bad %s", "flag"), Usage},
		{fmt.Errorf("--publish %w", With(Usage, errors.New("bad URL"))), Usage},
		{With(Expr, errors.New("jq")), Expr},
		{Reported{Code: Gone}, Gone},
		{fmt.Errorf("wrapped: %w", Reported{Code: Timeout}), Timeout},
	} {
		if got := Of(c.err); got != c.want {
			t.Errorf("Of(%v) = %d, want %d", c.err, got, c.want)
		}
	}
	if With(Usage, nil) != nil {
		t.Error("With(code, nil) is not nil")
	}
}

func TestWriteErr(t *testing.T) {
	for _, err := range []error{syscall.EPIPE, &os.PathError{Op: "write", Path: "/dev/stdout", Err: syscall.EPIPE}, os.ErrClosed} {
		if got := WriteErr(err); got != ErrPipe {
			t.Errorf("WriteErr(%v) = %v, want ErrPipe", err, got)
		}
	}
	if err := errors.New("disk full"); WriteErr(err) != err || WriteErr(nil) != nil {
		t.Error("WriteErr changed an error that is not a vanished reader")
	}
}
