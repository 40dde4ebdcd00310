package proxy

import (
	"path/filepath"
	"reflect"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// TestQEMUNegotiation sends the same lines to a real QEMU 7.2's own
// monitor and to the proxy in front of another monitor of the same VM, and
// wants the same greeting and the same replies: the errors before and
// during negotiation, qmp_capabilities twice, malformed input, exec-oob
// without oob, and replies QEMU itself gives to forwarded commands.
func TestQEMUNegotiation(t *testing.T) {
	qemutest.Need(t)
	dir := qemutest.ShortTempDir(t)
	direct := filepath.Join(dir, "direct.sock")
	v := qemutest.Start(t, qemutest.Options{Name: "neg", Paused: true, Extra: []string{"-qmp", "unix:" + direct + ",server=on,wait=off"}})
	r := startProxy(t, v.Monitor, Options{})

	sessions := [][]string{{
		`{"execute": "query-status", "id": "a"}`,
		`{"execute": "query-status"}`,
		`{"execute": "query-name", "id": {"k": [1, 2]}}`,
		`[1]`,
		`"text"`,
		`{"execute": 1, "id": 2}`,
		`{"execute": "query-status", "id": 3, "foo": 1}`,
		`{"execute": "query-status", "arguments": [1], "id": 4}`,
		`{"id": 5}`,
		`{"execute": "qmp_capabilities", "id": 6, "id": 7}`,
		`{"execute": "qmp_capabilities", "arguments": {"x": 1}, "id": 8}`,
		`{"execute": "qmp_capabilities", "arguments": {"enable": "oob"}, "id": 9}`,
		`{"execute": "qmp_capabilities", "arguments": {"enable": ["foo"]}, "id": 10}`,
		`{"execute": "qmp_capabilities", "id": -11}`,
		`{"execute": "qmp_capabilities", "id": 12}`,
		`{"execute": "qmp_capabilities"}`,
		`{"exec-oob": "query-status", "id": 13}`,
		`{"execute": "query-name", "id": 14.5}`,
		`{"execute": "no-such-command", "id": "x"}`,
		`{"execute": "query-status", "arguments": {"bad": 1}, "id": null}`,
		`{"execute": "query-name"}`,
	}, {
		`{"execute": "qmp_capabilities", "arguments": {"enable": ["oob"]}, "id": 1}`,
		`{"exec-oob": "query-status", "id": 2}`,
		`{"exec-oob": "migrate-pause", "id": 3}`,
		`{"execute": "query-status", "id": 4}`,
	}}
	for i, lines := range sessions {
		want := dialQMP(t, direct)
		got := dialQMP(t, r.path)
		wg, gg := want.msg(), got.msg()
		if !reflect.DeepEqual(wg, gg) {
			t.Errorf("session %d: greeting\n got %v\nwant %v", i, gg, wg)
		}
		for _, line := range lines {
			want.send(line)
			got.send(line)
			w, g := want.msg(), got.msg()
			if !reflect.DeepEqual(w, g) {
				t.Errorf("%s\n got %v\nwant %v (QEMU's own)", line, g, w)
			}
		}
		want.nc.Close() // QEMU serves one client at a time on the direct monitor
	}
}
