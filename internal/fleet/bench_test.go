package fleet

import (
	"context"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/natstest"
)

// BenchmarkPublish: events acknowledged by a local nats-server, per second
// (b.N events, one publisher).
func BenchmarkPublish(b *testing.B) {
	srv := natstest.Start(b, "")
	p, err := NewPublisher(PublisherOptions{Access: Access{URL: srv.URL()}, Host: "bench"})
	if err != nil {
		b.Fatal(err)
	}
	defer p.Close(0)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p.Publish(numbered(b, "vm1", i))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := p.Flush(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
}
