package cmdutil

import (
	"fmt"
	"strings"

	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/source"
)

// The flags every command shares are defined here, once, so that every
// command spells, checks, completes and documents them the same way. A new
// command calls AddOutputFlag, AddColorFlag and AddTimeFlag for its flag
// set; completion (completion.go) and the config file (internal/config) then know
// its flags by their names without more wiring.

// OutputNames are the -o names every command accepts. A command that has no
// such form maps the name to its nearest one (OutputValue), so that one
// config file and one habit serve every command.
var OutputNames = []string{"pretty", "json", "table", "template"}

// outputNearest lists, for each name, the forms to try in order.
var outputNearest = map[string][]string{
	"pretty":   {"pretty", "table"},
	"table":    {"table", "pretty"},
	"json":     {"json"},
	"template": {"template"},
}

// OutputValue is the -o flag: any of OutputNames, stored as the nearest form
// the command has. A name with no form here (template where there are no
// templates) is refused, naming the forms there are.
type OutputValue struct {
	p     *string
	forms []string
}

// AddOutputFlag adds -o/--output for a command whose output forms are
// forms (in the order of its help); "" is left for the terminal/pipe default.
func AddOutputFlag(fs *pflag.FlagSet, p *string, help string, forms ...string) {
	*p = ""
	fs.VarP(&OutputValue{p: p, forms: forms}, "output", "o", help)
}

func (o *OutputValue) String() string { return *o.p }
func (o *OutputValue) Type() string   { return "string" }
func (o *OutputValue) Set(s string) error {
	f, err := o.nearest(s)
	if err != nil {
		return err
	}
	*o.p = f
	return nil
}

func (o *OutputValue) nearest(s string) (string, error) {
	near, ok := outputNearest[s]
	if !ok {
		return "", fmt.Errorf("want one of %s", strings.Join(OutputNames, ", "))
	}
	for _, n := range near {
		for _, f := range o.forms {
			if f == n {
				return f, nil
			}
		}
	}
	return "", fmt.Errorf("no %s output here: want one of %s", s, strings.Join(o.forms, ", "))
}

// values are the names the flag takes, for completion.
func (o *OutputValue) Values() []string { return OutputNames }

// AddColorFlag adds --color to a command that writes colour.
func AddColorFlag(fs *pflag.FlagSet, p *string) {
	fs.Var(NewEnum(p, "auto", "auto", "always", "never"), "color", "colour: auto (on a terminal, unless NO_COLOR is set), always, never")
}

// TimeModes are the --time formats (render/clock.go writes them).
var TimeModes = []string{"local", "utc", "rfc3339", "clock", "unix", "relative"}

// AddTimeFlag adds --time to a command that prints times.
func AddTimeFlag(fs *pflag.FlagSet, p *string) {
	fs.Var(NewEnum(p, "local", TimeModes...), "time", "time format: local (with the zone offset), utc, rfc3339, clock (15:04:05.000), unix, relative (seconds since the first event; local in tables)")
}

// DirOptions are --dir and the patterns that choose its sockets, for
// every command that reads monitors from a folder.
type DirOptions struct {
	Dir         string
	Glob        string
	Exclude     []string
	FollowLinks bool
}

// DefaultDirGlob keeps --dir to sockets named like QMP monitors, so that a
// VM's control monitor (vm1-ctl.sock) or another program's socket in the
// same folder is left to its owner. --dir-glob '*' takes every socket.
const DefaultDirGlob = "*.qmp"

// spec puts --dir and its patterns into a source.Spec.
func (o *DirOptions) Fill(s *source.Spec) {
	s.Dir, s.DirGlob, s.Exclude, s.DirFollowSymlinks = o.Dir, o.Glob, o.Exclude, o.FollowLinks
}

// AddDirFlags adds --dir, --dir-glob, --exclude-socket and --dir-follow-symlinks.
func AddDirFlags(fs *pflag.FlagSet, o *DirOptions) {
	fs.StringVar(&o.Dir, "dir", "", "read every QMP socket in DIR whose name matches --dir-glob, including sockets that appear later")
	fs.StringVar(&o.Glob, "dir-glob", DefaultDirGlob, "with --dir: only sockets whose name matches GLOB ('*' for every socket)")
	fs.StringArrayVar(&o.Exclude, "exclude-socket", nil, "with --dir: leave out sockets whose name matches GLOB (repeatable), e.g. a control monitor")
	fs.BoolVar(&o.FollowLinks, "dir-follow-symlinks", false, "with --dir: follow every symbolic link to a socket (by default only a link owned by the socket's owner)")
}
