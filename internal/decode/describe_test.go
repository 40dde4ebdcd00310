package decode

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"
)

func describeJSON(t *testing.T, name string) map[string]any {
	t.Helper()
	e := Builtin().Lookup(name)
	if e == nil {
		t.Fatalf("%s not in the catalog", name)
	}
	b, err := json.Marshal(Describe(e))
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

// field finds a member by name in a decoded "fields", "members" or variant list.
func field(t *testing.T, list any, name string) map[string]any {
	t.Helper()
	for _, f := range list.([]any) {
		if m := f.(map[string]any); m["name"] == name {
			return m
		}
	}
	t.Fatalf("no field %s in %v", name, list)
	return nil
}

// events -o json tells everything the catalog knows: union variants with
// their members, the version of each enum value, removed events, and rate
// limits with their exceptions.
func TestDescribeTellsEverything(t *testing.T) {
	gp := describeJSON(t, "GUEST_PANICKED")
	info := field(t, gp["fields"], "info")
	if info["tag"] != "type" {
		t.Errorf("GUEST_PANICKED.info tag = %v", info["tag"])
	}
	vars := info["variants"].(map[string]any)
	field(t, vars["hyper-v"], "arg5")
	field(t, vars["s390"], "psw-addr")
	if tdx := field(t, vars["tdx"], "gpa"); tdx["optional"] != true {
		t.Errorf("tdx gpa: %v", tdx)
	}
	typ := field(t, info["members"], "type")
	if vs := typ["value_since"].(map[string]any); vs["tdx"] != "10.1" || vs["s390"] != "2.12" {
		t.Errorf("info.type value_since = %v", vs)
	}
	addr := field(t, describeJSON(t, "NETDEV_STREAM_CONNECTED")["fields"], "addr")
	inet := addr["variants"].(map[string]any)["inet"]
	if ka := field(t, inet, "keep-alive-idle"); ka["since"] != "10.1" {
		t.Errorf("keep-alive-idle: %v", ka)
	}
	st := field(t, describeJSON(t, "MIGRATION")["fields"], "status")
	if vs := st["value_since"].(map[string]any); vs["postcopy-device"] != "10.2" || vs["none"] != nil {
		t.Errorf("MIGRATION status value_since = %v", vs)
	}
	if m := describeJSON(t, "MEM_UNPLUG_ERROR"); m["removed"] != "9.1" {
		t.Errorf("MEM_UNPLUG_ERROR removed = %v", m["removed"])
	}
	if m := describeJSON(t, "RDMA_GID_STATUS_CHANGED"); m["removed"] != "9.1" {
		t.Errorf("RDMA_GID_STATUS_CHANGED removed = %v", m["removed"])
	}
	bio := describeJSON(t, "BLOCK_IO_ERROR")
	rl, _ := bio["rate_limit"].(map[string]any)
	if bio["rate_limited"] != true || rl == nil || rl["per_second"] != 1.0 || rl["since"] != "10.0" || rl["per"] != "qom-path" ||
		len(rl["except"].([]any)) != 1 || fmt.Sprint(rl["except"].([]any)[0]) != `map[since:10.2.2 when:action == "stop"]` {
		t.Errorf("BLOCK_IO_ERROR rate limit: %v %v", bio["rate_limited"], rl)
	}
	if m := describeJSON(t, "STOP"); m["rate_limit"] != nil || m["removed"] != nil {
		t.Errorf("STOP: %v", m)
	}
}

func TestWriteEventTextTellsEverything(t *testing.T) {
	text := func(name string) string {
		var b strings.Builder
		if err := WriteEventText(&b, Builtin().Lookup(name)); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	for name, wants := range map[string][]string{
		"BLOCK_IO_ERROR": {"Since QEMU 0.13.", `Rate-limited since QEMU 10.0: QEMU sends at most one a second per qom-path and drops the ones in between, except when action == "stop" (always sent since QEMU 10.2.2).`,
			"qom-path", "(since 9.2)"},
		"MEM_UNPLUG_ERROR": {"Since QEMU 2.4; removed in QEMU 9.1."},
		"MIGRATION":        {"postcopy-device 10.2", "postcopy-active 2.5", "enum(none, setup,"},
		"GUEST_PANICKED":   {`when type is "tdx":`, "error-code", `when type is "hyper-v":`, "tdx 10.1"},
	} {
		got := text(name)
		for _, w := range wants {
			if !strings.Contains(got, w) {
				t.Errorf("%s: missing %q in\n%s", name, w, got)
			}
		}
	}
}

// events --live: a removed event is reported as removed, not as missing
// from the build, and optional members a build leaves out are no difference.
func TestDiffSchemasRemovedAndCompiledOut(t *testing.T) {
	live, err := FromQMPSchema([]byte(`[
 {"name": "NETDEV_STREAM_CONNECTED", "meta-type": "event", "arg-type": "1"},
 {"name": "1", "meta-type": "object", "members": [{"name": "netdev-id", "type": "str"}, {"name": "addr", "type": "2"}]},
 {"name": "2", "meta-type": "object", "members": [{"name": "type", "type": "3"}], "tag": "type",
  "variants": [{"case": "inet", "type": "4"}, {"case": "unix", "type": "5"}]},
 {"name": "3", "meta-type": "enum", "values": ["inet", "unix", "vsock", "fd"]},
 {"name": "4", "meta-type": "object", "members": [{"name": "host", "type": "str"}, {"name": "port", "type": "str"}]},
 {"name": "5", "meta-type": "object", "members": [{"name": "path", "type": "str"}]},
 {"name": "str", "meta-type": "builtin", "json-type": "string"}]`))
	if err != nil {
		t.Fatal(err)
	}
	d := DiffSchemas(Builtin(), live, v("10.2"))
	if len(d.Fields) != 0 {
		t.Errorf("compiled-out optional members reported: %v", d.Fields)
	}
	has := func(list []string, s string) bool {
		for _, x := range list {
			if x == s {
				return true
			}
		}
		return false
	}
	if !has(d.Removed, "MEM_UNPLUG_ERROR (removed in 9.1)") || !has(d.Removed, "RDMA_GID_STATUS_CHANGED (removed in 9.1)") {
		t.Errorf("Removed = %v", d.Removed)
	}
	if has(d.Missing, "MEM_UNPLUG_ERROR") || has(d.Missing, "RDMA_GID_STATUS_CHANGED") {
		t.Errorf("removed events listed as missing from the build: %v", d.Missing)
	}
	// QEMU 8.2 still had them: missing there means not built in.
	d = DiffSchemas(Builtin(), live, v("8.2"))
	if !has(d.Missing, "MEM_UNPLUG_ERROR") || len(d.Removed) != 0 {
		t.Errorf("8.2: missing %v, removed %v", d.Missing, d.Removed)
	}
}
