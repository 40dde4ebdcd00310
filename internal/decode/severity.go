package decode

import (
	"fmt"
	"strconv"

	"go.yaml.in/yaml/v3"
)

// The severity levels of an event, by their OpenTelemetry names. The catalog
// gives each event one (severity: in catalog/*.yaml), so a log pipeline
// (--otlp) can tell a guest panic from a VNC client that connected.
const (
	LevelDebug = "debug" // noise in most pipelines: a balloon or RTC update
	LevelInfo  = "info"  // the VM's life as usual
	LevelWarn  = "warn"  // worth a look: a pause that an error caused
	LevelError = "error" // something broke: a panic, a disk error that paused the VM
)

// Levels lists the levels from the least to the most severe.
var Levels = []string{LevelDebug, LevelInfo, LevelWarn, LevelError}

// Severity is an event's level: Level, unless one of When matches first.
type Severity struct {
	Level string
	When  []SeverityCase
}

// SeverityCase raises or lowers the level of some occurrences of an event:
// those whose data member Field equals Equals, or those that follow (are the
// documented follow-up of) an event named After.
type SeverityCase struct {
	Cond
	After string
	Level string
}

// String describes the case for people, e.g. `action == "stop"` or
// "after BLOCK_IO_ERROR".
func (c SeverityCase) String() string {
	if c.After != "" {
		return "after " + c.After
	}
	return c.Cond.String()
}

// SeverityOf is the level of one occurrence of the event: the first case
// that matches, else the event's own level. An event the catalog does not
// know, or one without a level, is info.
func (e *EventSpec) SeverityOf(ev *Event) string {
	if e == nil || e.Severity.Level == "" {
		return LevelInfo
	}
	for _, c := range e.Severity.When {
		if c.matches(ev) {
			return c.Level
		}
	}
	return e.Severity.Level
}

func (c SeverityCase) matches(ev *Event) bool {
	if c.After != "" {
		return ev.CausedBy == c.After
	}
	v, ok := ev.Data().Get(c.Field)
	switch {
	case !ok:
		return false
	case v.Kind == String:
		return v.Text == c.Equals
	case v.Kind == Bool:
		return strconv.FormatBool(v.True) == c.Equals
	}
	return false
}

// The on-disk shape of severity: a bare level, or {is, when: [...]}.
type yamlSeverity struct {
	Is   string `yaml:"is"`
	When []struct {
		Field  string `yaml:"field"`
		Equals string `yaml:"equals"`
		After  string `yaml:"after"`
		Is     string `yaml:"is"`
	} `yaml:"when"`
}

// severity reads an event's severity: key, checking every level and that
// each case names a field the event has.
func (e *EventSpec) severity(n *yaml.Node) (Severity, error) {
	if n.Kind == 0 {
		return Severity{}, nil
	}
	var y yamlSeverity
	if n.Kind == yaml.ScalarNode {
		y.Is = n.Value
	} else if err := decodeStrict(n, &y, "is", "when"); err != nil {
		return Severity{}, fmt.Errorf("severity: %w", err)
	}
	s := Severity{Level: y.Is}
	if !validLevel(s.Level) {
		return s, fmt.Errorf("severity: level %q is not one of %v", s.Level, Levels)
	}
	for _, w := range y.When {
		c := SeverityCase{Cond: Cond{Field: w.Field, Equals: w.Equals}, After: w.After, Level: w.Is}
		switch {
		case !validLevel(c.Level):
			return s, fmt.Errorf("severity: level %q is not one of %v", c.Level, Levels)
		case (c.After == "") == (c.Field == ""):
			return s, fmt.Errorf("severity: a case needs either field or after")
		case c.Field != "" && e.field(c.Field) == nil:
			return s, fmt.Errorf("severity: case on unknown field %q", c.Field)
		}
		s.When = append(s.When, c)
	}
	return s, nil
}

func validLevel(l string) bool {
	for _, x := range Levels {
		if l == x {
			return true
		}
	}
	return false
}
