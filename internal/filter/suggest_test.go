package filter

import (
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

func TestWarnings(t *testing.T) {
	if err := decode.BuiltinError(); err != nil {
		t.Fatalf("builtin catalog: %v", err)
	}
	cat := decode.Builtin()
	tests := []struct {
		spec Spec
		want []string
	}{
		{Spec{Events: []string{"SPICE_INITIALIZED"}, Wheres: []string{"client.channel-type==1"}}, nil},
		{Spec{Events: []string{"spice_*", "BLOCK_JOB_*"}, Wheres: []string{"client.port", "device==job1"}}, nil},
		{Spec{Wheres: []string{"client.channel_type==1"}},
			[]string{"no event has data.client.channel_type; did you mean client.channel-type?"}},
		{Spec{Events: []string{"SPICE_INITIALISED"}},
			[]string{"no event matches -e SPICE_INITIALISED; did you mean SPICE_INITIALIZED?"}},
		{Spec{Events: []string{"BLOK_JOB_*"}},
			[]string{"no event matches -e BLOK_JOB_*"}},
		{Spec{Events: []string{"SPICE_CONNECTED"}, Wheres: []string{"client.channel-type==1"}},
			[]string{"no event matching -e SPICE_CONNECTED has data.client.channel-type (SPICE_INITIALIZED has it)"}},
		{Spec{Events: []string{"STOP"}, Wheres: []string{"device==x"}},
			[]string{"no event matching -e STOP has data.device (BLOCK_IMAGE_CORRUPTED, BLOCK_IO_ERROR, BLOCK_JOB_CANCELLED, ... have it)"}},
		{Spec{Wheres: []string{"zzzzzzzzzzzz"}}, []string{"no event has data.zzzzzzzzzzzz"}},
		{Spec{Wheres: []string{"qom-path"}}, nil},
	}
	for _, tc := range tests {
		f, err := Compile(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		got := f.Warnings(cat)
		if strings.Join(got, "\n") != strings.Join(tc.want, "\n") {
			t.Errorf("Warnings(%+v) =\n%q\nwant\n%q", tc.spec, got, tc.want)
		}
	}
}
