package proxy

import (
	"bufio"
	"bytes"
	"context"
	"net"
	"path/filepath"
	"sync"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/source"
)

// BenchmarkFanout: b.N events from a monitor that floods them, through
// the proxy to 10 clients that read as fast as they can (go test -bench,
// for profiling; scripts/bench-proxy.sh measures the command).
func BenchmarkFanout(b *testing.B) {
	dir := b.TempDir()
	up := filepath.Join(dir, "up.sock")
	ln, err := net.Listen("unix", up)
	if err != nil {
		b.Fatal(err)
	}
	defer ln.Close()
	event := []byte(`{"timestamp": {"seconds": 1733400000, "microseconds": 123456}, "event": "BLOCK_JOB_COMPLETED", "data": {"device": "job1", "len": 1073741824, "offset": 1073741824, "speed": 0, "type": "mirror"}}` + "\r\n")
	start := make(chan struct{})
	go func() {
		nc, err := ln.Accept()
		if err != nil {
			return
		}
		defer nc.Close()
		nc.Write([]byte(`{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}` + "\r\n"))
		r := bufio.NewReader(nc)
		r.ReadBytes('}')
		nc.Write([]byte(`{"return": {}, "id": 1}` + "\r\n"))
		<-start
		chunk := bytes.Repeat(event, 256)
		for sent := 0; sent < b.N; sent += 256 {
			if _, err := nc.Write(chunk[:min(256, b.N-sent)*len(event)]); err != nil {
				return
			}
		}
	}()
	p := New(Options{Addr: conn.Addr{Network: "unix", Address: up}})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if err := p.Connect(ctx); err != nil {
		b.Fatal(err)
	}
	path := filepath.Join(dir, "p.sock")
	pl, err := source.ListenSocket(conn.Addr{Network: "unix", Address: path}, 0o600)
	if err != nil {
		b.Fatal(err)
	}
	go p.Run(ctx)
	go p.Serve(ctx, pl)
	var wg sync.WaitGroup
	for range 10 {
		c := dialQMP(b, path)
		c.negotiate()
		wg.Add(1)
		go func() {
			defer wg.Done()
			buf := make([]byte, 256<<10)
			for n := 0; n < b.N; {
				k, err := c.r.Read(buf)
				n += bytes.Count(buf[:k], []byte("\r\n"))
				if err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	b.ResetTimer()
	close(start)
	wg.Wait()
}
