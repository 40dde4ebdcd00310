// Command simfleet serves many fake QMP monitors from one process, for
// scripts/bench-serve.sh: N unix sockets in a folder, each greeting like
// QEMU 7.2, answering qmp_capabilities, query-name (vmNNN), query-status
// and any other command with an empty return, then sending the events of a
// recording over and over as fast as the client reads. It is a load
// generator, not a simulator: `qmpwatch simulate` plays one recording
// faithfully; this plays the same bytes to hundreds of clients cheaply.
//
//	simfleet DIR N RECORDING...
package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

const greeting = `{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": ["oob"]}}` + "\r\n"

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: simfleet DIR N RECORDING...")
		os.Exit(2)
	}
	n, err := strconv.Atoi(os.Args[2])
	if err != nil || n < 1 {
		fmt.Fprintln(os.Stderr, "simfleet: N must be a positive number")
		os.Exit(2)
	}
	events, count, err := loadEvents(os.Args[3:])
	if err != nil {
		fmt.Fprintf(os.Stderr, "simfleet: %v\n", err)
		os.Exit(1)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var wg sync.WaitGroup
	for i := range n {
		name := fmt.Sprintf("vm%03d", i)
		path := filepath.Join(os.Args[1], name+".qmp")
		os.Remove(path)
		ln, err := net.Listen("unix", path)
		if err != nil {
			fmt.Fprintf(os.Stderr, "simfleet: %v\n", err)
			os.Exit(1)
		}
		context.AfterFunc(ctx, func() { ln.Close() })
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go serve(ctx, c, name, events)
			}
		}()
	}
	fmt.Fprintf(os.Stderr, "simfleet: serving %d monitors in %s, %d events a pass\n", n, os.Args[1], count)
	wg.Wait()
}

// loadEvents keeps the event lines of the recordings, as QEMU sends them.
func loadEvents(files []string) ([]byte, int, error) {
	var out bytes.Buffer
	count := 0
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			return nil, 0, err
		}
		fr := decode.NewFramer(bytes.NewReader(b))
		for {
			raw, err := fr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, 0, fmt.Errorf("%s: %w", f, err)
			}
			m, err := decode.ScanMessage(raw)
			// SHUTDOWN would make the VM look gone; the rest repeats well.
			if err != nil || m.Kind != decode.MsgEvent || m.Event == "SHUTDOWN" {
				continue
			}
			out.Write(raw)
			out.WriteString("\r\n")
			count++
		}
	}
	if count == 0 {
		return nil, 0, fmt.Errorf("no events in %v", files)
	}
	return out.Bytes(), count, nil
}

// serve is one monitor session: the handshake, then events without end,
// with the replies to any later command slipped in between.
func serve(ctx context.Context, c net.Conn, name string, events []byte) {
	defer c.Close()
	stop := context.AfterFunc(ctx, func() { c.Close() })
	defer stop()
	var mu sync.Mutex
	w := bufio.NewWriterSize(c, 256<<10)
	send := func(s string) error {
		mu.Lock()
		defer mu.Unlock()
		w.WriteString(s)
		return w.Flush()
	}
	if send(greeting) != nil {
		return
	}
	fr := decode.NewFramer(c)
	started := make(chan struct{})
	go func() {
		defer c.Close()
		for {
			raw, err := fr.Next()
			if err != nil {
				return
			}
			m, err := decode.ScanMessage(raw)
			if err != nil {
				return
			}
			id := "null"
			if m.ID != nil {
				id = string(m.ID)
			}
			ret := "{}"
			cmd := command(raw)
			switch cmd {
			case "query-name":
				ret = `{"name": "` + name + `"}`
			case "query-status":
				ret = `{"status": "running", "singlestep": false, "running": true}`
			}
			if send(`{"return": `+ret+`, "id": `+id+"}\r\n") != nil {
				return
			}
			if cmd == "query-status" {
				select {
				case <-started:
				default:
					close(started)
				}
			}
		}
	}()
	select {
	case <-started: // the client's connect-time queries are answered
	case <-ctx.Done():
		return
	}
	for ctx.Err() == nil {
		mu.Lock()
		_, err := c.Write(events)
		mu.Unlock()
		if err != nil {
			return
		}
	}
}

// command is the "execute" member of a command.
func command(raw []byte) string {
	v, err := decode.Parse(raw)
	if err != nil {
		return ""
	}
	return v.Str("execute")
}
