package tui

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tea "github.com/charmbracelet/bubbletea"
	"github.com/charmbracelet/x/ansi"
	"github.com/charmbracelet/x/exp/golden"
	"github.com/charmbracelet/x/exp/teatest"

	"github.com/qmpwatch/qmpwatch/internal/decode"
	"github.com/qmpwatch/qmpwatch/internal/live"
	"github.com/qmpwatch/qmpwatch/internal/source"
	"github.com/qmpwatch/qmpwatch/internal/track"
)

// now is the fake clock of every test: a few seconds after the recordings.
var now = time.Unix(1795240045, 0)

// recorded reads a real QEMU transcript of testdata/recordings as a live
// source would have reported it: a Seed (name, run state from query-status,
// QEMU version), then the first n events (all when n < 0).
func recorded(t *testing.T, file string, n int) []live.Item {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "testdata", "recordings", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fr := decode.NewFramer(f)
	seed := &live.Seed{At: time.Unix(1795240030, 0)}
	var vm string
	var out []live.Item
	for n != 0 {
		raw, err := fr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		m, err := decode.ScanMessage(append([]byte(nil), raw...))
		if err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		switch {
		case m.Kind == decode.MsgGreeting:
			v, _ := decode.Parse(m.QMP)
			q, _ := v.Path("version", "qemu")
			seed.Version = fmt.Sprintf("%s.%s.%s", num(q, "major"), num(q, "minor"), num(q, "micro"))
		case m.Kind == decode.MsgReturn && m.IDIs(1):
			v, _ := decode.Parse(m.Return)
			vm = v.Str("name")
		case m.Kind == decode.MsgReturn && m.IDIs(2):
			if seed.RunState, err = track.ParseStatus(m.Return); err != nil {
				t.Fatal(err)
			}
			out = append(out, live.Item{VM: vm, Seed: seed})
		case m.Kind == decode.MsgEvent:
			out = append(out, live.Item{VM: vm, Ev: decode.NewEvent(&m, vm)})
			n--
		}
	}
	return out
}

func num(v decode.Value, key string) string {
	m, _ := v.Get(key)
	return m.Text
}

// polled is a poll reply of query-block-jobs for vm's job at time at.
func polled(t *testing.T, vm string, at time.Time, reply string) live.Item {
	t.Helper()
	jobs, err := track.ParseBlockJobs([]byte(reply))
	if err != nil {
		t.Fatal(err)
	}
	return live.Item{VM: vm, Progress: &live.Progress{At: at, Jobs: jobs}}
}

// host is three recorded VMs: vm-demo with VNC and SPICE open, paused by a
// disk error, a mirror just started; vm-guest paused by an I/O error after
// a watchdog; vm-block with a mirror polled twice, one second apart.
func host(t *testing.T) []live.Item {
	items := recorded(t, "demo.qmp", 15)
	items = append(items, recorded(t, "guest.qmp", 7)...)
	items = append(items, recorded(t, "blockjobs.qmp", 2)...)
	const reply = `[{"auto-finalize": true, "io-status": "ok", "device": "job1", "auto-dismiss": true, "busy": true,
		"len": 50331648, "offset": %d, "status": "running", "paused": false, "speed": 8388608, "ready": false, "type": "mirror"}]`
	items = append(items,
		polled(t, "vm-block", time.Unix(1795240043, 0), fmt.Sprintf(reply, 16<<20)),
		polled(t, "vm-block", time.Unix(1795240044, 0), fmt.Sprintf(reply, 24<<20)))
	return items
}

// run feeds items and then keys to a model of view v at w×h, quits, and
// returns the last frame.
func run(t *testing.T, v View, w, h int, items []live.Item, keys ...string) string {
	t.Helper()
	m := New(Config{View: v, Now: func() time.Time { return now }, Location: time.UTC, Tick: -1})
	tm := teatest.NewTestModel(t, m, teatest.WithInitialTermSize(w, h))
	for _, it := range items {
		tm.Send(ItemMsg(it))
	}
	for _, k := range keys {
		tm.Send(keyMsg(k))
	}
	tm.Send(keyMsg("q"))
	fm := tm.FinalModel(t, teatest.WithFinalTimeout(20*time.Second))
	return fm.View()
}

func keyMsg(k string) tea.KeyMsg {
	switch k {
	case "enter":
		return tea.KeyMsg{Type: tea.KeyEnter}
	case "esc":
		return tea.KeyMsg{Type: tea.KeyEsc}
	case "down":
		return tea.KeyMsg{Type: tea.KeyDown}
	case "up":
		return tea.KeyMsg{Type: tea.KeyUp}
	}
	return tea.KeyMsg{Type: tea.KeyRunes, Runes: []rune(k)}
}

// checkFrame asserts what every frame must be: h lines of at most w cells.
func checkFrame(t *testing.T, frame string, w, h int) {
	t.Helper()
	lines := strings.Split(frame, "\n")
	if len(lines) != h {
		t.Errorf("frame has %d lines, want %d", len(lines), h)
	}
	for i, l := range lines {
		if n := width(l); n > w {
			t.Errorf("line %d is %d cells wide, more than %d: %q", i+1, n, w, l)
		}
	}
}

var sizes = []struct{ w, h int }{{80, 24}, {160, 45}}

func TestGoldenFrames(t *testing.T) {
	for _, v := range []View{Top, Jobs, Sessions} {
		for _, sz := range sizes {
			t.Run(fmt.Sprintf("%s/%dx%d", viewNames[v], sz.w, sz.h), func(t *testing.T) {
				frame := run(t, v, sz.w, sz.h, host(t))
				checkFrame(t, frame, sz.w, sz.h)
				golden.RequireEqual(t, []byte(frame))
			})
		}
	}
}

func TestTopFocus(t *testing.T) {
	for _, sz := range sizes {
		t.Run(fmt.Sprintf("%dx%d", sz.w, sz.h), func(t *testing.T) {
			// vm-block, vm-demo, vm-guest: down once selects vm-demo.
			frame := run(t, Top, sz.w, sz.h, host(t), "down", "enter")
			checkFrame(t, frame, sz.w, sz.h)
			golden.RequireEqual(t, []byte(frame))
		})
	}
}

func TestJobProgressFigures(t *testing.T) {
	frame := run(t, Jobs, 160, 45, host(t))
	for _, want := range []string{"24 MiB / 48 MiB 50%", "8 MiB/s", "3s", "vm-block", "mirror"} {
		if !strings.Contains(frame, want) {
			t.Errorf("jobs frame lacks %q:\n%s", want, frame)
		}
	}
}

func TestPauseKeepsEvents(t *testing.T) {
	items := recorded(t, "lifecycle.qmp", -1)
	m := New(Config{View: Top, Now: func() time.Time { return now }, Location: time.UTC, Tick: -1})
	m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
	m.Update(ItemMsg(items[0]))
	m.Update(keyMsg("p"))
	for _, it := range items[1:] {
		m.Update(ItemMsg(it))
	}
	paused := m.View()
	if !strings.Contains(paused, "PAUSED: "+fmt.Sprint(len(items)-1)+" new") {
		t.Fatalf("paused frame does not count %d new events:\n%s", len(items)-1, paused)
	}
	if strings.Contains(paused, "SHUTDOWN  ") {
		t.Fatalf("an event shows while paused:\n%s", paused)
	}
	// The trackers saw them all the same.
	if st := m.states.Get("vm-alpha").Status; st != "shutdown" {
		t.Fatalf("state while paused = %q, want shutdown", st)
	}
	m.Update(keyMsg("p"))
	resumed := m.View()
	for _, name := range []string{"STOP", "RESUME", "RESET", "DEVICE_TRAY_MOVED", "SHUTDOWN"} {
		if !strings.Contains(resumed, name) {
			t.Errorf("after unpausing, %s is not shown:\n%s", name, resumed)
		}
	}
}

func TestGlobFilter(t *testing.T) {
	frame := run(t, Top, 160, 45, host(t), "/", "B", "L", "O", "C", "K", "_", "*", "enter")
	checkFrame(t, frame, 160, 45)
	if !strings.Contains(frame, "BLOCK_IO_ERROR") || !strings.Contains(frame, "matching BLOCK_*") {
		t.Fatalf("filtered stream lacks BLOCK_IO_ERROR:\n%s", frame)
	}
	ev := frame[strings.Index(frame, "── events"):]
	if strings.Contains(ev, "VNC_CONNECTED") || strings.Contains(ev, "  RESUME") {
		t.Fatalf("filter BLOCK_* lets other events through:\n%s", ev)
	}
}

func TestManyJobsScrollInside(t *testing.T) {
	var items []live.Item
	items = append(items, live.Item{VM: "vm-many", Seed: &live.Seed{At: now, Version: "7.2.22", RunState: track.RunState{Status: "running"}}})
	var infos []string
	for i := 0; i < 25; i++ {
		infos = append(infos, fmt.Sprintf(`{"device": "job%02d", "type": "stream", "len": 1048576, "offset": %d, "speed": 0, "status": "running"}`, i, i*4096))
	}
	items = append(items, polled(t, "vm-many", now, "["+strings.Join(infos, ",")+"]"))
	frame := run(t, Jobs, 80, 20, items, "down", "down")
	checkFrame(t, frame, 80, 20)
	if !strings.Contains(frame, "of 25") || !strings.Contains(frame, "job02") || strings.Contains(frame, "job01 ") {
		t.Fatalf("25 jobs on 20 rows do not scroll from the third:\n%s", frame)
	}
}

// The help box fits the terminal whole: every row keeps its right border,
// and every word of every key's text is there, wrapped.
func TestHelp(t *testing.T) {
	for _, w := range []int{80, 60, 160} {
		frame := run(t, Top, w, 24, host(t), "?")
		checkFrame(t, frame, w, 24)
		for _, k := range []string{"enter", "/", "p ", "q "} {
			if !strings.Contains(frame, "  "+k) {
				t.Errorf("%d columns: help lacks %q:\n%s", w, k, frame)
			}
		}
		var text []string
		for _, l := range strings.Split(ansi.Strip(frame), "\n") {
			l = strings.TrimRight(l, " ")
			if !strings.HasPrefix(l, "│") {
				continue
			}
			if !strings.HasSuffix(l, "│") {
				t.Errorf("%d columns: a help row lost its right border: %q", w, l)
			}
			text = append(text, strings.Trim(l, "│ "))
		}
		if all := strings.Join(strings.Fields(strings.Join(text, " ")), " "); !strings.Contains(all, "sessions and jobs in full; enter or esc go back") {
			t.Errorf("%d columns: the enter line is cut:\n%s", w, frame)
		}
	}
}

// Colour follows the palette switch: watch's escape sequences with it,
// none without (NO_COLOR, --color never).
func TestColourSwitch(t *testing.T) {
	for _, on := range []bool{true, false} {
		m := New(Config{View: Top, Color: on, Now: func() time.Time { return now }, Location: time.UTC, Tick: -1})
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
		for _, it := range host(t) {
			m.Update(ItemMsg(it))
		}
		frame := m.View()
		if has := strings.Contains(frame, "\x1b["); has != on {
			t.Errorf("colour %v: escape sequences present = %v", on, has)
		}
		if on && !strings.Contains(frame, "\x1b[31;1mBLOCK_IO_ERROR") && !strings.Contains(frame, "\x1b[1;31mBLOCK_IO_ERROR") {
			t.Errorf("a fault is not in watch's red:\n%q", frame)
		}
	}
}

// Thirty VMs at 80×24: the selection stays on screen, and no size, however
// small, breaks the frame.
func TestManyVMsAndTinyScreens(t *testing.T) {
	var items []live.Item
	for i := 0; i < 30; i++ {
		items = append(items, live.Item{VM: fmt.Sprintf("vm-%02d", i), Seed: &live.Seed{At: now, Version: "7.2.22",
			RunState: track.RunState{Status: "running"}}})
	}
	keys := make([]string, 25)
	for i := range keys {
		keys[i] = "down"
	}
	frame := run(t, Top, 80, 24, items, keys...)
	checkFrame(t, frame, 80, 24)
	if !strings.Contains(frame, "› vm-25") {
		t.Errorf("the selected VM is not on screen:\n%s", frame)
	}
	m := New(Config{View: Top, Now: func() time.Time { return now }, Tick: -1})
	for _, it := range items {
		m.Update(ItemMsg(it))
	}
	for _, sz := range [][2]int{{0, 0}, {1, 1}, {10, 2}, {20, 3}, {5, 5}} {
		m.Update(tea.WindowSizeMsg{Width: sz[0], Height: sz[1]})
		frame := m.View()
		if sz[1] > 0 && sz[0] > 0 {
			checkFrame(t, frame, sz[0], sz[1])
		} else if frame != "" {
			t.Errorf("a frame on a %dx%d screen: %q", sz[0], sz[1], frame)
		}
	}
}

// The status line leaves out the run state at connect, which the VM's next
// STOP would make stale; the VM's row says the state.
func TestStatusLineHasNoStaleState(t *testing.T) {
	for _, v := range []View{Top, Jobs, Sessions} {
		m := New(Config{View: v, Now: func() time.Time { return now }, Location: time.UTC, Tick: -1})
		m.Update(tea.WindowSizeMsg{Width: 160, Height: 45})
		m.Update(ItemMsg(live.Item{VM: "web-02", Status: &source.Status{Kind: source.Connected, Addr: "/run/web-02.qmp",
			VM: "web-02", Name: "web-02", QEMU: decode.Version{Major: 7, Minor: 2, Micro: 22}, Note: ", running"}}))
		frame := ansi.Strip(m.View())
		if !strings.Contains(frame, "connected to web-02 (QEMU 7.2.22) at /run/web-02.qmp") || strings.Contains(frame, "7.2.22, running") {
			t.Errorf("%s: status line:\n%s", viewNames[v], frame)
		}
	}
}
