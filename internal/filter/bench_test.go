package filter

import (
	"context"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

const benchSpice = `{"timestamp": {"seconds": 1795240034, "microseconds": 33986}, "event": "SPICE_INITIALIZED", "data": {"server": {"auth": "none", "port": "45219", "family": "ipv4", "host": "127.0.0.1"}, "client": {"port": "47746", "family": "ipv4", "channel-type": 1, "connection-id": 1093971, "host": "127.0.0.1", "channel-id": 0, "tls": false}}}`

func benchEval(b *testing.B, s Spec, line string) {
	f, err := Compile(s)
	if err != nil {
		b.Fatal(err)
	}
	m, err := decode.ScanMessage([]byte(line))
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		// A fresh event each time, as from the wire: its data is not decoded yet.
		ev := decode.NewEvent(&m, "vm1")
		f.Eval(ctx, ev)
	}
}

func BenchmarkNameReject(b *testing.B) {
	benchEval(b, Spec{Events: []string{"BLOCK_JOB_*"}, Wheres: []string{"client.channel-type==1"}}, benchSpice)
}

func BenchmarkJQNameReject(b *testing.B) {
	benchEval(b, Spec{Filter: `.event == "BLOCK_JOB_READY" and .data.device == "job1"`}, benchSpice)
}

func BenchmarkWhere(b *testing.B) {
	benchEval(b, Spec{Events: []string{"SPICE_INITIALIZED"}, Wheres: []string{"client.channel-type==1"}}, benchSpice)
}

func BenchmarkJQFilter(b *testing.B) {
	benchEval(b, Spec{Filter: `.event == "SPICE_INITIALIZED" and .data.client["channel-type"] == 1`}, benchSpice)
}
