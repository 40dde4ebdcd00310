package proxy

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/conn"
	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// TestQEMUThreeClients puts three QMP clients and qmpwatch's own client
// (conn, as watch dials) on one real monitor through the proxy, while the
// test's second monitor, the reference, drives the VM with stop and cont.
// The clients send commands all along, with string, object, integer and no
// ids: each must see exactly the reference's events, in its order, and get
// each reply, with its own id, in the order of its commands.
func TestQEMUThreeClients(t *testing.T) {
	qemutest.Need(t)
	v := qemutest.Start(t, qemutest.Options{Name: "fan"})
	r := startProxy(t, v.Monitor, Options{})

	clients := make([]*qmpClient, 3)
	for i := range clients {
		clients[i] = dialQMP(t, r.path)
		clients[i].negotiate()
	}
	watch, err := conn.Dial(context.Background(), conn.Addr{Network: "unix", Address: r.path}, conn.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Close()
	before := len(v.Events())

	const rounds = 25
	var wg sync.WaitGroup
	got := make([][]map[string]any, len(clients))
	for i, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got[i] = converse(t, c, i, rounds)
		}()
	}
	for n := 0; n < rounds; n++ {
		v.MustDo(t, "stop", nil)
		v.MustDo(t, "cont", nil)
	}
	wg.Wait()
	want := rawEventKeys(v.Events()[before:])
	if len(want) != 2*rounds {
		t.Fatalf("the reference saw %d events, want %d", len(want), 2*rounds)
	}
	for i := range clients {
		// Events after the last command's reply: the final round.
		for len(got[i]) < len(want) {
			m := clients[i].msg()
			got[i] = append(got[i], m)
		}
		if g := eventKeys(got[i]); !reflect.DeepEqual(g, want) {
			t.Errorf("client %d events differ from the reference's:\n got %v\nwant %v", i, g, want)
		}
	}
	var seen []string
	for len(seen) < len(want) {
		ev, err := watch.Next(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		var m map[string]any
		json.Unmarshal(ev.Raw, &m)
		seen = append(seen, eventKeys([]map[string]any{m})[0])
	}
	if !reflect.DeepEqual(seen, want) {
		t.Errorf("watch's client events differ from the reference's:\n got %v\nwant %v", seen, want)
	}
}

// converse sends pairs of commands with ids of every kind while the
// events flow, checks each reply's id and kind against its command, and
// returns the events read in between.
func converse(t *testing.T, c *qmpClient, n, rounds int) (events []map[string]any) {
	ids := []string{fmt.Sprintf(`"c%d"`, n), fmt.Sprintf(`{"client": %d, "k": [1, "x"]}`, n), fmt.Sprint(1000 + n), ""}
	for i := 0; i < rounds; i++ {
		id := ids[i%len(ids)]
		cmds := []string{"query-status", "query-name"}
		for _, cmd := range cmds {
			line := fmt.Sprintf(`{"execute": %q}`, cmd)
			if id != "" {
				line = fmt.Sprintf(`{"execute": %q, "id": %s}`, cmd, id)
			}
			c.send(line)
		}
		for _, cmd := range cmds {
			rep, evs := c.reply()
			events = append(events, evs...)
			var wantID any
			if id != "" {
				json.Unmarshal([]byte(id), &wantID)
			}
			if gotID, has := rep["id"]; has != (id != "") || !reflect.DeepEqual(gotID, wantID) {
				t.Errorf("client %d: %s with id %s: reply %v", n, cmd, id, rep)
			}
			ret, _ := rep["return"].(map[string]any)
			_, status := ret["status"]
			_, name := ret["name"]
			if status != (cmd == "query-status") || name != (cmd == "query-name") {
				t.Errorf("client %d: %s got another command's reply: %v", n, cmd, rep)
			}
		}
		time.Sleep(time.Millisecond) // let the reference's events interleave
	}
	return events
}
