package qemutest

import (
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"
)

// AddFilledDisk creates a qcow2 image of size bytes in Dir, writes fill
// bytes of pattern 0xaa into it with qemu-io before QEMU opens it, and adds
// it as node name node. A mirror of it has that much to copy, so a speed
// limit makes the copy last (an empty image copies at once).
func (v *VM) AddFilledDisk(t testing.TB, node string, size, fill int64) string {
	t.Helper()
	img := filepath.Join(v.Dir, node+".qcow2")
	qemuImg := needBinary(t, "qemu-img")
	if out, err := exec.Command(qemuImg, "create", "-q", "-f", "qcow2", img, strconv.FormatInt(size, 10)).CombinedOutput(); err != nil {
		t.Fatalf("qemutest: qemu-img create: %v\n%s", err, out)
	}
	qemuIO := needBinary(t, "qemu-io")
	if out, err := exec.Command(qemuIO, "-f", "qcow2", "-c", "write -P 0xaa 0 "+strconv.FormatInt(fill, 10), img).CombinedOutput(); err != nil {
		t.Fatalf("qemutest: qemu-io write: %v\n%s", err, out)
	}
	v.MustDo(t, "blockdev-add", map[string]any{
		"driver": "qcow2", "node-name": node,
		"file": map[string]any{"driver": "file", "filename": img},
	})
	return img
}

// StartThrottledMirror adds an empty qcow2 target of size bytes and starts
// blockdev-mirror of node onto it as job id job, at speed bytes/s with a
// buffer of buf bytes (1 MiB gives steady progress; without it the offset
// moves in 16 MiB jumps). It does not wait: the job runs on, and the test
// follows it with WaitEventFunc, CompleteJob or CancelJob.
func (v *VM) StartThrottledMirror(t testing.TB, job, node string, size, speed, buf int64) {
	t.Helper()
	v.AddDisk(t, job+"-target", size)
	v.MustDo(t, "blockdev-mirror", map[string]any{
		"job-id": job, "device": node, "target": job + "-target", "sync": "full",
		"speed": speed, "buf-size": buf,
	})
}

// NeedProgram returns the path of a program a real-part test runs (tmux),
// with Need's policy: skip when it is missing, or fail when CI=true.
func NeedProgram(t testing.TB, name string) string {
	t.Helper()
	return needBinary(t, name)
}
