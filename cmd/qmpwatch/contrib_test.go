package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/config"
	"github.com/qmpwatch/qmpwatch/internal/testkit/realpart"
)

// needTool returns the path of a real part a test runs; under CI=true a
// missing one is a failure, otherwise a skip.
func needTool(t *testing.T, name string) string {
	t.Helper()
	return realpart.Need(t, name)
}

func TestAlertRules(t *testing.T) {
	promtool := needTool(t, "promtool")
	out, err := exec.Command(promtool, "check", "rules", filepath.Join("..", "..", "contrib", "prometheus", "alerts.yaml")).CombinedOutput()
	if err != nil {
		t.Fatalf("promtool check rules: %v\n%s", err, out)
	}
	// The rules the issue asks for, by what they watch.
	b, _ := os.ReadFile(filepath.Join("..", "..", "contrib", "prometheus", "alerts.yaml"))
	for _, want := range []string{`status="io-error"`, "qmpwatch_guest_panics_total", "qmpwatch_watchdog_total", "qmpwatch_up == 0"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("alerts.yaml has no rule on %s", want)
		}
	}
}

// systemd-analyze is not a required real part (CI machines have no
// systemd running): without it the unit test is skipped, even under CI.
func TestSystemdUnit(t *testing.T) {
	analyze, err := exec.LookPath("systemd-analyze")
	if err != nil {
		t.Skip("systemd-analyze not found")
	}
	unit, err := os.ReadFile(filepath.Join("..", "..", "contrib", "systemd", "qmpwatch.service"))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"User=qmpwatch", "Restart=on-failure", "ProtectSystem=strict", "NoNewPrivileges=yes",
		"ExecStart=/usr/bin/qmpwatch serve --config /etc/qmpwatch/serve.yaml", "AF_UNIX", "LimitNOFILE=65536"} {
		if !strings.Contains(string(unit), want) {
			t.Errorf("the unit lacks %s", want)
		}
	}
	// verify checks that ExecStart is an executable: point it at this test
	// binary, since qmpwatch is not installed here.
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	path := filepath.Join(dir, "qmpwatch.service")
	os.WriteFile(path, []byte(strings.ReplaceAll(string(unit), "/usr/bin/qmpwatch", self)), 0o644)
	out, err := exec.Command(analyze, "verify", path).CombinedOutput()
	if err != nil || len(strings.TrimSpace(string(out))) > 0 {
		t.Errorf("systemd-analyze verify: %v\n%s", err, out)
	}
}

// Every key of the sample config is a serve flag, or the sources or
// actions list, and serve accepts the file.
func TestSampleServeConfig(t *testing.T) {
	path := filepath.Join("..", "..", "contrib", "serve.yaml")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var keys map[string]any
	if err := yaml.Unmarshal(b, &keys); err != nil {
		t.Fatal(err)
	}
	cmd := newServeCmd(&app{})
	for k := range keys {
		if k != "sources" && k != "actions" && cmd.Flags().Lookup(k) == nil {
			t.Errorf("serve.yaml: %s is not a flag of serve", k)
		}
	}
	if _, err := config.ServeSources(path); err != nil {
		t.Errorf("sources: %v", err)
	}
	// The sample's actions are commented out: uncommented, they compile.
	var actions []string
	in := false
	for _, line := range strings.Split(string(b), "\n") {
		switch {
		case line == "actions:":
			in = true
		case in && strings.HasPrefix(line, "  # "):
			actions = append(actions, "  "+strings.TrimPrefix(line, "  # "))
		case in:
			in = false
		}
	}
	sample := filepath.Join(t.TempDir(), "actions.yaml")
	os.WriteFile(sample, []byte("actions:\n"+strings.Join(actions, "\n")+"\n"), 0o600)
	if got, err := config.ServeActions(sample, action.Run{Timeout: time.Second}); err != nil || len(got) != 2 {
		t.Errorf("the sample actions: %d, %v", len(got), err)
	}
}
