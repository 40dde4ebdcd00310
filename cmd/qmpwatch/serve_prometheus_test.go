package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/qmpwatch/qmpwatch/internal/testkit/qemutest"
)

// prometheusServer is a real Prometheus scraping one target every second.
type prometheusServer struct{ base string }

// startPrometheus runs Debian's prometheus with its own config and data
// folder in a temporary folder, on a free loopback port, scraping target
// (host:port) and loading the example alert rules.
func startPrometheus(t *testing.T, target string) *prometheusServer {
	t.Helper()
	bin := needTool(t, "prometheus")
	dir := t.TempDir()
	rules, err := filepath.Abs(filepath.Join("..", "..", "contrib", "prometheus", "alerts.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg := fmt.Sprintf(`global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files: [%q]
scrape_configs:
  - job_name: qmpwatch
    static_configs:
      - targets: [%q]
`, rules, target)
	if err := os.WriteFile(filepath.Join(dir, "prometheus.yml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	port := qemutest.FreePort(t)
	log := &syncBuffer{}
	cmd := exec.Command(bin, "--config.file="+filepath.Join(dir, "prometheus.yml"),
		"--storage.tsdb.path="+filepath.Join(dir, "data"), fmt.Sprintf("--web.listen-address=127.0.0.1:%d", port))
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		t.Fatalf("prometheus: %v", err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	t.Cleanup(func() {
		cmd.Process.Kill()
		<-exited
		if t.Failed() {
			t.Logf("prometheus log:\n%s", log)
		}
	})
	p := &prometheusServer{base: fmt.Sprintf("http://127.0.0.1:%d", port)}
	deadline := time.Now().Add(60 * time.Second)
	for {
		resp, err := http.Get(p.base + "/-/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return p
			}
		}
		select {
		case <-exited:
			t.Fatalf("prometheus exited:\n%s", log)
		case <-time.After(100 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("prometheus not ready after a minute:\n%s", log)
		}
	}
}

// query runs an instant query and returns the value of each series by its
// labels ("" when the result has one series without labels to tell apart).
func (p *prometheusServer) query(t *testing.T, q string) []float64 {
	t.Helper()
	resp, err := http.Get(p.base + "/api/v1/query?query=" + url.QueryEscape(q))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	var r struct {
		Status string `json:"status"`
		Error  string `json:"error"`
		Data   struct {
			Result []struct {
				Value [2]any `json:"value"`
			} `json:"result"`
		} `json:"data"`
	}
	if err := json.Unmarshal(b, &r); err != nil || r.Status != "success" {
		t.Fatalf("query %s: %v %s", q, err, b)
	}
	var out []float64
	for _, s := range r.Data.Result {
		f, err := strconv.ParseFloat(fmt.Sprint(s.Value[1]), 64)
		if err != nil {
			t.Fatalf("query %s: value %v", q, s.Value)
		}
		out = append(out, f)
	}
	return out
}

// waitQuery polls until the query has exactly one series of value want.
func (p *prometheusServer) waitQuery(t *testing.T, q string, want float64) {
	t.Helper()
	deadline := time.Now().Add(90 * time.Second)
	var got []float64
	for time.Now().Before(deadline) {
		if got = p.query(t, q); len(got) == 1 && got[0] == want {
			return
		}
		time.Sleep(250 * time.Millisecond)
	}
	t.Fatalf("%s = %v, want [%v]", q, got, want)
}

// The end-to-end test: a real QEMU, serve on it, a real Prometheus
// scraping serve; stop, cont, a mirror job to completion and a
// system_reset, then Prometheus's own view of the counters.
func TestServeWithPrometheusAndQEMU(t *testing.T) {
	needTool(t, "prometheus")
	vm := qemutest.Start(t, qemutest.Options{Name: "vm-prom"})
	s := startServe(t, vm.Monitor, "--reconnect")
	s.waitMetric(t, `qmpwatch_vm_running{vm="vm-prom"} 1`)
	prom := startPrometheus(t, strings.TrimPrefix(s.base, "http://"))
	prom.waitQuery(t, `qmpwatch_up{vm="vm-prom"}`, 1)

	vm.MustDo(t, "stop", nil)
	vm.WaitEvent(t, "STOP", 30*time.Second)
	prom.waitQuery(t, `qmpwatch_vm_running{vm="vm-prom"}`, 0)
	vm.MustDo(t, "cont", nil)
	vm.WaitEvent(t, "RESUME", 30*time.Second)
	prom.waitQuery(t, `qmpwatch_vm_running{vm="vm-prom"}`, 1)

	vm.AddDataDisk(t, "src", 4<<20)
	vm.Mirror(t, "job1", "src")
	prom.waitQuery(t, `qmpwatch_block_jobs_running{vm="vm-prom"}`, 1)
	vm.CompleteJob(t, "job1")
	vm.MustDo(t, "system_reset", nil)
	vm.WaitEvent(t, "RESET", 30*time.Second)

	prom.waitQuery(t, `qmpwatch_resets_total{vm="vm-prom",reason="host-qmp-system-reset"}`, 1)
	prom.waitQuery(t, `qmpwatch_block_job_duration_seconds_count{vm="vm-prom",type="mirror",result="completed"}`, 1)
	prom.waitQuery(t, `qmpwatch_events_total{vm="vm-prom",event="STOP"}`, 1)
	prom.waitQuery(t, `qmpwatch_events_total{vm="vm-prom",event="RESUME"}`, 1)
	prom.waitQuery(t, `qmpwatch_block_jobs_running{vm="vm-prom"}`, 0)
	prom.waitQuery(t, `qmpwatch_up{vm="vm-prom"}`, 1)
	// vm_running went 0 then 1: its lowest value over the test was 0, and
	// it is 1 now.
	prom.waitQuery(t, `min_over_time(qmpwatch_vm_running{vm="vm-prom"}[10m])`, 0)
	prom.waitQuery(t, `qmpwatch_vm_running{vm="vm-prom"}`, 1)
	prom.waitQuery(t, `sum(qmpwatch_events_dropped_total)`, 0)
	prom.waitQuery(t, `up{job="qmpwatch"}`, 1)

	// promtool lints the real scrape.
	_, scrape := s.get(t, "/metrics")
	cmd := exec.Command(needTool(t, "promtool"), "check", "metrics")
	cmd.Stdin = strings.NewReader(scrape)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("promtool check metrics on a real scrape: %v\n%s", err, out)
	}
	if code := s.stop(t); code != 0 {
		t.Errorf("serve exit %d: %s", code, s.stderr)
	}
}

// serve --listen with a real QEMU that dials in, is killed and started
// again: the reconnect is counted and the run state follows.
func TestServeListenRealQEMU(t *testing.T) {
	qemutest.Need(t)
	path := filepath.Join(qemutest.ShortTempDir(t), "listen.sock")
	s := startServe(t, "--listen", path)
	chardev := []string{"-chardev", "socket,id=qw,path=" + path + ",reconnect=1", "-mon", "chardev=qw,mode=control"}
	a := qemutest.Start(t, qemutest.Options{Name: "lx-s", Extra: chardev, Paused: true})
	s.waitMetric(t, `qmpwatch_vm_status{vm="lx-s",status="prelaunch"} 1`)
	a.MustDo(t, "cont", nil)
	s.waitMetric(t, `qmpwatch_vm_running{vm="lx-s"} 1`)
	a.Kill()
	s.waitMetric(t, `qmpwatch_up{vm="lx-s"} 0`)
	if code, body := s.get(t, "/healthz"); code != 200 {
		t.Errorf("healthz after a dialled-in VM left: %d %q", code, body)
	}
	a.Restart(t, qemutest.Options{Name: "lx-s", Extra: chardev, Paused: true})
	s.waitMetric(t, `qmpwatch_reconnects_total{vm="lx-s"} 1`)
	body := s.waitMetric(t, `qmpwatch_up{vm="lx-s"} 1`)
	if !strings.Contains(body, `qmpwatch_events_total{vm="lx-s",event="RESUME"} 1`) {
		t.Errorf("RESUME of the first run not kept over the reconnect:\n%s", body)
	}
}
