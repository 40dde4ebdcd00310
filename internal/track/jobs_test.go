package track

import (
	"fmt"
	"testing"
	"time"
)

func TestJobs(t *testing.T) {
	tr := NewJobs()
	steps := []struct {
		name, data string
		want       Change
	}{
		{"JOB_STATUS_CHANGE", `{"status": "created", "id": "c1"}`, Started},
		{"JOB_STATUS_CHANGE", `{"status": "running", "id": "c1"}`, Updated},
		{"JOB_STATUS_CHANGE", `{"status": "running", "id": "c1"}`, NoChange},
		{"BLOCK_JOB_ERROR", `{"device": "c1", "operation": "read", "action": "report"}`, Updated},
		{"BLOCK_JOB_COMPLETED", `{"device": "c1", "len": 18446744073709551615, "offset": 9223372036854775808, "speed": 1048576, "type": "commit", "error": "Input/output error"}`, Ended},
		{"JOB_STATUS_CHANGE", `{"status": "concluded", "id": "c1"}`, NoChange},
		// The id is reused before the old job was dismissed.
		{"JOB_STATUS_CHANGE", `{"status": "created", "id": "c1"}`, Started},
		{"JOB_STATUS_CHANGE", `{"status": "running", "id": "c1"}`, Updated},
	}
	for i, s := range steps {
		j, ch := tr.Observe(at(t, "vm1", int64(10+i), 0, s.name, s.data))
		if ch != s.want {
			t.Fatalf("step %d %s: %s, want %s", i, s.name, ch, s.want)
		}
		_ = j
	}
	list := tr.List()
	if len(list) != 2 {
		t.Fatalf("%d jobs, want 2", len(list))
	}
	old := list[0]
	p, ok := old.Percent()
	if old.Result != "failed" || old.Error != "Input/output error" || old.Type != "commit" || old.Speed != "1048576" ||
		old.Len != "18446744073709551615" || !ok || p < 49.99 || p > 50.01 {
		t.Errorf("first job %+v (%v%%)", old, p)
	}
	ended := tr.EndAll("vm1", time.Unix(99, 0))
	if len(ended) != 1 || ended[0] != list[1] || ended[0].Result != "unknown (stream ended)" {
		t.Errorf("EndAll %v", ended)
	}
	if _, ok := (&Job{Offset: "5"}).Percent(); ok {
		t.Errorf("a percentage without a length")
	}
}

func TestEndedJobsAreBounded(t *testing.T) {
	tr := NewJobs()
	for i := 0; i < KeepEnded+30; i++ {
		id := fmt.Sprint("j", i)
		tr.Observe(at(t, "vm1", int64(i), 0, "JOB_STATUS_CHANGE", `{"status": "created", "id": "`+id+`"}`))
		tr.Observe(at(t, "vm1", int64(i), 1, "BLOCK_JOB_CANCELLED", `{"device": "`+id+`", "len": 1, "offset": 0, "speed": 0, "type": "backup"}`))
	}
	if n := len(tr.List()); n > KeepEnded+1 {
		t.Errorf("%d jobs kept, want at most %d", n, KeepEnded+1)
	}
	if n := len(tr.byID); n > KeepEnded+1 {
		t.Errorf("%d jobs indexed, want at most %d", n, KeepEnded+1)
	}
}

// A counting user keeps few ended jobs, yet the epilogue of a job that ended
// (JOB_STATUS_CHANGE concluded, then null) still finds it rather than
// starting a new one; Open counts the jobs still running.
func TestJobsKeepEndedAtMost(t *testing.T) {
	tr := NewJobs()
	tr.KeepEndedAtMost(2)
	tr.Observe(at(t, "vm1", 1, 0, "JOB_STATUS_CHANGE", `{"status": "created", "id": "live"}`))
	for i := range 10 {
		id := fmt.Sprint("j", i)
		tr.Observe(at(t, "vm1", int64(i+2), 0, "JOB_STATUS_CHANGE", `{"status": "created", "id": "`+id+`"}`))
		tr.Observe(at(t, "vm1", int64(i+2), 1, "BLOCK_JOB_COMPLETED", `{"device": "`+id+`", "len": 1, "offset": 1, "speed": 0, "type": "mirror"}`))
		if _, ch := tr.Observe(at(t, "vm1", int64(i+2), 2, "JOB_STATUS_CHANGE", `{"status": "concluded", "id": "`+id+`"}`)); ch != NoChange {
			t.Fatalf("%s's epilogue was taken for a new job (%v)", id, ch)
		}
		tr.Observe(at(t, "vm1", int64(i+2), 3, "JOB_STATUS_CHANGE", `{"status": "null", "id": "`+id+`"}`))
	}
	if n := tr.Open(); n != 1 {
		t.Errorf("Open = %d, want 1 (the live job)", n)
	}
	// Trimmed when a job starts: the last one ended since is kept too.
	if n := len(tr.List()); n > 4 {
		t.Errorf("%d jobs kept, want the live one and at most 3 ended", n)
	}
}
