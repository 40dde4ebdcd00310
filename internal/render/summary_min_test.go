package render

import (
	"strings"
	"testing"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// minimal builds the smallest valid value of t: required members only,
// empty strings, zero numbers, false, the first enum value (and its union
// variant), empty arrays.
func minimal(t *decode.Type, depth int) string {
	if t == nil || depth > 8 {
		return "null"
	}
	switch t.Kind {
	case decode.KindStr:
		return `""`
	case decode.KindInt, decode.KindNumber:
		return "0"
	case decode.KindBool:
		return "false"
	case decode.KindEnum:
		return `"` + t.Values[0] + `"`
	case decode.KindArray:
		return "[]"
	case decode.KindAlternate:
		return minimal(t.Alts[0], depth+1)
	case decode.KindObject:
		var parts []string
		add := func(fs []*decode.Field) {
			for _, f := range fs {
				if !f.Optional {
					parts = append(parts, `"`+f.Name+`": `+minimal(f.Type, depth+1))
				}
			}
		}
		add(t.Members)
		if t.Tag != "" {
			for _, m := range t.Members {
				if m.Name == t.Tag {
					add(t.Variants[m.Type.Values[0]])
				}
			}
		}
		return "{" + strings.Join(parts, ", ") + "}"
	}
	return "null"
}

// TestSummaryMinimalAndExample gives every catalog event a minimal valid
// instance (empty strings, zeros) and its documented example: each must
// have a sentence of its own, without a hole where a value should be.
func TestSummaryMinimalAndExample(t *testing.T) {
	for _, spec := range decode.Builtin().Events() {
		var data []string
		for _, f := range spec.Fields {
			if !f.Optional {
				data = append(data, `"`+f.Name+`": `+minimal(f.Type, 0))
			}
		}
		instances := map[string]string{
			"minimal": `{"event": "` + spec.Name + `", "data": {` + strings.Join(data, ", ") + `}, "timestamp": {"seconds": 1, "microseconds": 0}}`,
		}
		if spec.Example != "" {
			instances["example"] = spec.Example
		}
		for kind, raw := range instances {
			m, err := decode.ScanMessage([]byte(raw))
			if err != nil {
				t.Fatalf("%s %s: %v", spec.Name, kind, err)
			}
			ev := decode.NewEvent(&m, "vm1")
			if ck := decode.Builtin().Validate(ev, decode.Version{}); len(ck.Problems) > 0 {
				t.Errorf("%s %s instance is not valid: %v", spec.Name, kind, ck.Problems)
			}
			sum := Summary(ev)
			switch {
			case !HasSummary(spec.Name) || strings.TrimSpace(sum) == "":
				t.Errorf("%s %s: no sentence (%q)", spec.Name, kind, sum)
			case strings.Contains(sum, "  "), strings.Contains(sum, " ,"), strings.Contains(sum, "( "),
				strings.Contains(sum, " )"), strings.HasSuffix(sum, " "), strings.HasPrefix(sum, " "):
				t.Errorf("%s %s: a hole in %q", spec.Name, kind, sum)
			case strings.Contains(sum, "?"):
				t.Errorf("%s %s: a missing value in %q", spec.Name, kind, sum)
			}
		}
	}
}
