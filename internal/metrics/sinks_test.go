package metrics

import (
	"strconv"
	"strings"
	"testing"
)

// What an output drops and how actions end show in both expositions:
// client_golang's and the text one serve writes.
func TestDroppedAndRan(t *testing.T) {
	c := New(Options{})
	c.Observe(event(t, "vm1", "STOP", ""))
	c.Dropped("vm1", "exec", 3)
	c.Dropped("vm1", "exec", 2)
	c.Dropped("vm1", "otlp", 1)
	c.Dropped("vm1", "exec", 0) // nothing: no series of its own
	c.Ran("vm1", KindExec, "--exec", "ok")
	c.Ran("vm1", KindExec, "--exec", "ok")
	c.Ran("vm1", KindExec, "--exec", "timeout")
	c.Ran("vm1", KindWebhook, "io-hook", "failed")
	text := string(c.AppendText(nil))
	for _, x := range []struct {
		family string
		labels labels
		want   float64
	}{
		{"qmpwatch_events_dropped_total", labels{"sink": "metrics"}, 0},
		{"qmpwatch_events_dropped_total", labels{"sink": "exec"}, 5},
		{"qmpwatch_events_dropped_total", labels{"sink": "otlp"}, 1},
		{"qmpwatch_exec_total", labels{"action": "--exec", "result": "ok"}, 2},
		{"qmpwatch_exec_total", labels{"action": "--exec", "result": "timeout"}, 1},
		{"qmpwatch_webhook_total", labels{"action": "io-hook", "result": "failed"}, 1},
	} {
		l := labels{"vm": "vm1"}
		var kv []string
		for _, k := range []string{"sink", "action", "result"} {
			if v, ok := x.labels[k]; ok {
				l[k] = v
				kv = append(kv, k+`="`+v+`"`)
			}
		}
		if v := value(t, c, x.family, l); v != x.want {
			t.Errorf("%s%v = %v, want %v", x.family, l, v, x.want)
		}
		line := x.family + `{vm="vm1",` + strings.Join(kv, ",") + "} " + strconv.FormatFloat(x.want, 'g', -1, 64)
		if !strings.Contains(text, line+"\n") {
			t.Errorf("text exposition lacks %s:\n%s", line, text)
		}
	}
	if n := len(series(t, c, "qmpwatch_events_dropped_total", labels{"vm": "vm1"})); n != 3 {
		t.Errorf("%d dropped series, want 3 (metrics, exec, otlp)", n)
	}
}
