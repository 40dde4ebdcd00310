package qemutest

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
	"time"
)

// jobTimeout bounds waits for block-job events; the images are a few MiB.
const jobTimeout = 60 * time.Second

// AddDisk creates an empty qcow2 image of size bytes in Dir with qemu-img and
// adds it to QEMU with blockdev-add as node name node. It returns the image
// path. The node has no guest device: block jobs do not need one.
func (v *VM) AddDisk(t testing.TB, node string, size int64) string {
	t.Helper()
	img := filepath.Join(v.Dir, node+".qcow2")
	qemuImg := needBinary(t, "qemu-img")
	if out, err := exec.Command(qemuImg, "create", "-q", "-f", "qcow2", img, strconv.FormatInt(size, 10)).CombinedOutput(); err != nil {
		t.Fatalf("qemutest: qemu-img create: %v\n%s", err, out)
	}
	v.MustDo(t, "blockdev-add", map[string]any{
		"driver": "qcow2", "node-name": node,
		"file": map[string]any{"driver": "file", "filename": img},
	})
	return img
}

// AddDataDisk creates a raw image of size bytes filled with a non-zero
// pattern and adds it as node name node. A copy job from it has real data to
// write, so it takes a little time and cannot skip the target's writes.
func (v *VM) AddDataDisk(t testing.TB, node string, size int64) string {
	t.Helper()
	img := filepath.Join(v.Dir, node+".raw")
	buf := make([]byte, size)
	for i := range buf {
		buf[i] = byte(i*7 + 1)
	}
	if err := os.WriteFile(img, buf, 0o644); err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	v.MustDo(t, "blockdev-add", map[string]any{
		"driver": "raw", "node-name": node,
		"file": map[string]any{"driver": "file", "filename": img},
	})
	return img
}

// Mirror starts drive-mirror of node into a new qcow2 image in Dir (sync
// full) as job id job and waits for BLOCK_JOB_READY, which it returns.
// Follow with CompleteJob or CancelJob.
func (v *VM) Mirror(t testing.TB, job, node string) json.RawMessage {
	t.Helper()
	v.MustDo(t, "drive-mirror", map[string]any{
		"job-id": job, "device": node, "target": filepath.Join(v.Dir, job+"-target.qcow2"),
		"format": "qcow2", "mode": "absolute-paths", "sync": "full",
	})
	return v.WaitEventFunc(t, "BLOCK_JOB_READY", jobTimeout, DataIs("device", job))
}

// CompleteJob sends block-job-complete and waits for BLOCK_JOB_COMPLETED.
func (v *VM) CompleteJob(t testing.TB, job string) json.RawMessage {
	t.Helper()
	v.MustDo(t, "block-job-complete", map[string]any{"device": job})
	return v.WaitEventFunc(t, "BLOCK_JOB_COMPLETED", jobTimeout, DataIs("device", job))
}

// CancelJob sends block-job-cancel with force=true and waits for
// BLOCK_JOB_CANCELLED. The force matters for a mirror that is READY: without
// it QEMU ends the job with BLOCK_JOB_COMPLETED (a point-in-time copy).
func (v *VM) CancelJob(t testing.TB, job string) json.RawMessage {
	t.Helper()
	v.MustDo(t, "block-job-cancel", map[string]any{"device": job, "force": true})
	return v.WaitEventFunc(t, "BLOCK_JOB_CANCELLED", jobTimeout, DataIs("device", job))
}

// MirrorError mirrors node (use AddDataDisk, so there is data to write) with
// blockdev-mirror onto a target whose blkdebug layer fails every write with
// ENOSPC, with on-target-error stop, and waits for BLOCK_JOB_ERROR, which it
// returns. The job is left paused on the error; CancelJob ends it.
func (v *VM) MirrorError(t testing.TB, job, node string) json.RawMessage {
	t.Helper()
	img := filepath.Join(v.Dir, job+"-broken.raw")
	if err := os.WriteFile(img, nil, 0o644); err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	// Same size as the source, which blockdev-mirror requires.
	var src []struct {
		NodeName string `json:"node-name"`
		Image    struct {
			VirtualSize int64 `json:"virtual-size"`
		} `json:"image"`
	}
	if err := json.Unmarshal(v.MustDo(t, "query-named-block-nodes", map[string]any{"flat": true}), &src); err != nil {
		t.Fatalf("qemutest: query-named-block-nodes: %v", err)
	}
	size := int64(-1)
	for _, n := range src {
		if n.NodeName == node {
			size = n.Image.VirtualSize
		}
	}
	if size < 0 {
		t.Fatalf("qemutest: no block node %q", node)
	}
	if err := os.Truncate(img, size); err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	target := job + "-broken"
	v.MustDo(t, "blockdev-add", map[string]any{
		"driver": "raw", "node-name": target,
		"file": map[string]any{
			"driver": "blkdebug",
			"image":  map[string]any{"driver": "file", "filename": img},
			// "none" arms the rule when the node opens; no iotype means
			// every kind of write (including write-zeroes) fails.
			"inject-error": []any{map[string]any{"event": "none", "errno": 28}},
		},
	})
	v.MustDo(t, "blockdev-mirror", map[string]any{
		"job-id": job, "device": node, "target": target, "sync": "full",
		"on-target-error": "stop",
	})
	return v.WaitEventFunc(t, "BLOCK_JOB_ERROR", jobTimeout, DataIs("device", job))
}

// EjectCD opens the tray of the ide-cd with qdev id (Options.CDROM), which
// makes QEMU emit DEVICE_TRAY_MOVED {tray-open: true}.
func (v *VM) EjectCD(t testing.TB, id string) json.RawMessage {
	t.Helper()
	v.MustDo(t, "eject", map[string]any{"id": id, "force": true})
	return v.WaitEventFunc(t, "DEVICE_TRAY_MOVED", 10*time.Second, DataIs("id", id))
}

// ChangeMedium inserts a new small raw medium into the ide-cd with qdev id
// with blockdev-change-medium and waits for the DEVICE_TRAY_MOVED that closes
// the tray (QEMU opens it first if it was closed).
func (v *VM) ChangeMedium(t testing.TB, id string) json.RawMessage {
	t.Helper()
	img := filepath.Join(v.Dir, id+"-new.iso")
	if err := os.WriteFile(img, make([]byte, 64*1024), 0o644); err != nil {
		t.Fatalf("qemutest: %v", err)
	}
	v.MustDo(t, "blockdev-change-medium", map[string]any{
		"id": id, "filename": img, "format": "raw", "read-only-mode": "read-only",
	})
	for {
		ev := v.WaitEventFunc(t, "DEVICE_TRAY_MOVED", 10*time.Second, DataIs("id", id))
		var e struct {
			Data struct {
				TrayOpen bool `json:"tray-open"`
			} `json:"data"`
		}
		json.Unmarshal(ev, &e)
		if !e.Data.TrayOpen {
			return ev
		}
	}
}
