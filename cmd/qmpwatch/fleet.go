package main

import (
	"context"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/cmdutil"
	"github.com/qmpwatch/qmpwatch/internal/fleet"
	"github.com/qmpwatch/qmpwatch/internal/iostreams"
)

// startPublishing starts the checked --publish tee, or returns nil when
// it is not asked for. The caller closes it (closePublisher) when its
// stream ends.
func startPublishing(s *iostreams.Streams, o *cmdutil.FleetOptions) (*fleet.Publisher, error) {
	if o.Publish == "" {
		return nil, nil
	}
	return fleet.NewPublisher(fleet.PublisherOptions{Access: fleet.Access{URL: o.Publish, Creds: o.Creds, TLSCA: o.TLSCA}, Host: cmdutil.HostLabel(o.HostLabel),
		Stream: o.Stream, MaxAge: o.MaxAge, Buffer: o.Buffer, Notes: s.ErrOut})
}

// closePublisher lets the acknowledgements of the last events arrive; an
// interrupted qmpwatch waits less.
func closePublisher(ctx context.Context, pub *fleet.Publisher) {
	grace := 30 * time.Second
	if ctx.Err() != nil {
		grace = 2 * time.Second
	}
	pub.Close(grace)
}
