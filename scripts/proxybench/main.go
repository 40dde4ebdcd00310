// Command proxybench measures `qmpwatch proxy` for scripts/bench-proxy.sh.
//
//	proxybench latency DIRECT PROXIED N   median query-status round trip on each, in ms
//	proxybench fanout PROXIED CLIENTS SECONDS   events/s each client reads
//	proxybench monitor PATH RATE ANY            a fake monitor at PATH sending RATE events/s
//
// A client here is what a manager's is: a unix socket, the greeting,
// qmp_capabilities, then commands or reading.
package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net"
	"os"
	"sort"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

func main() {
	if len(os.Args) != 5 {
		fail("usage: proxybench latency DIRECT PROXIED N | fanout PROXIED CLIENTS SECONDS | monitor PATH RATE -")
	}
	switch os.Args[1] {
	case "latency":
		n := atoi(os.Args[4])
		d, p := median(os.Args[2], n), median(os.Args[3], n)
		fmt.Printf("direct %.3f ms proxied %.3f ms added %.3f ms\n", d, p, p-d)
	case "monitor":
		monitor(os.Args[2], atoi(os.Args[3]))
	case "fanout":
		fanout(os.Args[2], atoi(os.Args[3]), time.Duration(atoi(os.Args[4]))*time.Second)
	default:
		fail("unknown mode " + os.Args[1])
	}
}

func fail(msg string) {
	fmt.Fprintln(os.Stderr, "proxybench:", msg)
	os.Exit(1)
}

func atoi(s string) int {
	n, err := strconv.Atoi(s)
	if err != nil || n < 1 {
		fail("want a positive number, not " + s)
	}
	return n
}

// dial connects and negotiates.
func dial(path string) (net.Conn, *bufio.Reader) {
	c, err := net.Dial("unix", path)
	if err != nil {
		fail(err.Error())
	}
	r := bufio.NewReaderSize(c, 1<<20)
	if _, err := r.ReadBytes('\n'); err != nil {
		fail("greeting: " + err.Error())
	}
	fmt.Fprintln(c, `{"execute": "qmp_capabilities"}`)
	if _, err := reply(r); err != nil {
		fail("qmp_capabilities: " + err.Error())
	}
	return c, r
}

// reply reads up to the next message that is not an event.
func reply(r *bufio.Reader) ([]byte, error) {
	for {
		line, err := r.ReadBytes('\n')
		if err != nil {
			return nil, err
		}
		if !bytes.Contains(line, []byte(`"event"`)) {
			return line, nil
		}
	}
}

// median is the median time of n query-status round trips, in ms.
func median(path string, n int) float64 {
	c, r := dial(path)
	defer c.Close()
	ts := make([]float64, n)
	for i := range ts {
		start := time.Now()
		fmt.Fprintf(c, `{"execute": "query-status", "id": %d}`+"\n", i)
		if _, err := reply(r); err != nil {
			fail("query-status: " + err.Error())
		}
		ts[i] = float64(time.Since(start).Microseconds()) / 1000
	}
	sort.Float64s(ts)
	return ts[n/2]
}

// fanout connects clients, each reading from the moment it is connected
// (a flood does not wait), then counts what each reads in d once all are.
func fanout(path string, clients int, d time.Duration) {
	counts := make([]atomic.Int64, clients)
	var measuring atomic.Bool
	var wg sync.WaitGroup
	stop := make(chan struct{})
	for i := range clients {
		c, r := dial(path)
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.Close()
			context.AfterFunc(ctxOf(stop), func() { c.Close() })
			buf := make([]byte, 256<<10)
			for {
				n, err := r.Read(buf)
				if measuring.Load() {
					counts[i].Add(int64(bytes.Count(buf[:n], []byte(`"event"`))))
				}
				if err != nil {
					return
				}
			}
		}()
	}
	measuring.Store(true)
	time.Sleep(d)
	measuring.Store(false)
	low := counts[0].Load()
	for i := range counts {
		low = min(low, counts[i].Load())
	}
	close(stop)
	wg.Wait()
	fmt.Printf("clients %d slowest %.0f events/s\n", clients, float64(low)/d.Seconds())
}

// ctxOf is a context that ends when stop is closed.
func ctxOf(stop chan struct{}) context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-stop; cancel() }()
	return ctx
}

// monitor serves one client at path as a QEMU 7.2 would (greeting, a reply
// to every command) and sends it rate events a second, every 10 ms, so
// that the fan-out is measured at a rate the clients can be held to
// (a monitor flooding without limit outruns any client on a small
// machine, and the proxy rightly disconnects them).
func monitor(path string, rate int) {
	os.Remove(path)
	ln, err := net.Listen("unix", path)
	if err != nil {
		fail(err.Error())
	}
	c, err := ln.Accept()
	if err != nil {
		fail(err.Error())
	}
	ln.Close()
	var mu sync.Mutex
	write := func(b []byte) {
		mu.Lock()
		defer mu.Unlock()
		if _, err := c.Write(b); err != nil {
			os.Exit(0)
		}
	}
	write([]byte(`{"QMP": {"version": {"qemu": {"micro": 22, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}` + "\r\n"))
	started := make(chan struct{})
	var once sync.Once
	go func() {
		r := bufio.NewReader(c)
		for {
			line, err := r.ReadBytes('\n')
			if err != nil {
				os.Exit(0)
			}
			var cmd struct {
				Execute string          `json:"execute"`
				ID      json.RawMessage `json:"id"`
			}
			json.Unmarshal(line, &cmd)
			id := "null"
			if cmd.ID != nil {
				id = string(cmd.ID)
			}
			ret := "{}"
			switch cmd.Execute {
			case "query-status":
				ret = `{"status": "running", "singlestep": false, "running": true}`
			case "query-name":
				ret = `{"name": "bench"}`
			}
			write([]byte(`{"return": ` + ret + `, "id": ` + id + "}\r\n"))
			if cmd.Execute == "query-status" {
				once.Do(func() { close(started) }) // events flow once a watcher asked how the VM runs
			}
		}
	}()
	<-started
	per := rate / 100
	var batch []byte
	for t := time.Now(); ; t = t.Add(10 * time.Millisecond) {
		batch = batch[:0]
		for i := range per {
			batch = fmt.Appendf(batch, `{"timestamp": {"seconds": %d, "microseconds": %d}, "event": "BLOCK_JOB_COMPLETED", "data": {"device": "job1", "len": 1073741824, "offset": 1073741824, "speed": 0, "type": "mirror"}}`+"\r\n", t.Unix(), i)
		}
		write(batch)
		time.Sleep(time.Until(t.Add(10 * time.Millisecond)))
	}
}
