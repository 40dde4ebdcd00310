package main

import (
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/spf13/pflag"
)

// The flags every command shares are defined here, once, so that every
// command spells, checks, completes and documents them the same way. A new
// command calls addOutputFlag, addColorFlag and addTimeFlag for its flag
// set; completion (completion.go) and the config file (config.go) then know
// its flags by their names without more wiring.

// outputNames are the -o names every command accepts. A command that has no
// such form maps the name to its nearest one (outputValue), so that one
// config file and one habit serve every command.
var outputNames = []string{"pretty", "json", "table", "template"}

// outputNearest lists, for each name, the forms to try in order.
var outputNearest = map[string][]string{
	"pretty":   {"pretty", "table"},
	"table":    {"table", "pretty"},
	"json":     {"json"},
	"template": {"template"},
}

// outputValue is the -o flag: any of outputNames, stored as the nearest form
// the command has. A name with no form here (template where there are no
// templates) is refused, naming the forms there are.
type outputValue struct {
	p     *string
	forms []string
}

// addOutputFlag adds -o/--output for a command whose output forms are
// forms (in the order of its help); "" is left for the terminal/pipe default.
func addOutputFlag(fs *pflag.FlagSet, p *string, help string, forms ...string) {
	*p = ""
	fs.VarP(&outputValue{p: p, forms: forms}, "output", "o", help)
}

func (o *outputValue) String() string { return *o.p }
func (o *outputValue) Type() string   { return "string" }
func (o *outputValue) Set(s string) error {
	f, err := o.nearest(s)
	if err != nil {
		return err
	}
	*o.p = f
	return nil
}

func (o *outputValue) nearest(s string) (string, error) {
	near, ok := outputNearest[s]
	if !ok {
		return "", fmt.Errorf("want one of %s", strings.Join(outputNames, ", "))
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
func (o *outputValue) values() []string { return outputNames }

// addColorFlag adds --color to a command that writes colour.
func addColorFlag(fs *pflag.FlagSet, p *string) {
	fs.Var(newEnum(p, "auto", "auto", "always", "never"), "color", "colour: auto (on a terminal, unless NO_COLOR is set), always, never")
}

// timeModes are the --time formats (render/clock.go writes them).
var timeModes = []string{"local", "utc", "rfc3339", "clock", "unix", "relative"}

// addTimeFlag adds --time to a command that prints times.
func addTimeFlag(fs *pflag.FlagSet, p *string) {
	fs.Var(newEnum(p, "local", timeModes...), "time", "time format: local (with the zone offset), utc, rfc3339, clock (15:04:05.000), unix, relative (seconds since the first event; local in tables)")
}

// notices returns where notices go (connection changes, skipped lines,
// warnings about flags and config): stderr, or nowhere with -q. Errors
// never go through it.
func (s *Streams) notices() io.Writer {
	if s.Quiet {
		return io.Discard
	}
	return s.ErrOut
}

// dirOptions are --dir and the patterns that choose its sockets, for
// every command that reads monitors from a folder.
type dirOptions struct {
	dir         string
	glob        string
	exclude     []string
	followLinks bool
}

// defaultDirGlob keeps --dir to sockets named like QMP monitors, so that a
// VM's control monitor (vm1-ctl.sock) or another program's socket in the
// same folder is left to its owner. --dir-glob '*' takes every socket.
const defaultDirGlob = "*.qmp"

// addDirFlags adds --dir, --dir-glob, --exclude-socket and --dir-follow-symlinks.
func addDirFlags(fs *pflag.FlagSet, o *dirOptions) {
	fs.StringVar(&o.dir, "dir", "", "read every QMP socket in DIR whose name matches --dir-glob, including sockets that appear later")
	fs.StringVar(&o.glob, "dir-glob", defaultDirGlob, "with --dir: only sockets whose name matches GLOB ('*' for every socket)")
	fs.StringArrayVar(&o.exclude, "exclude-socket", nil, "with --dir: leave out sockets whose name matches GLOB (repeatable), e.g. a control monitor")
	fs.BoolVar(&o.followLinks, "dir-follow-symlinks", false, "with --dir: follow every symbolic link to a socket (by default only a link owned by the socket's owner)")
}

// match says whether --dir takes the socket called name.
func (o *dirOptions) match(name string) bool {
	if ok, _ := filepath.Match(o.glob, name); !ok {
		return false
	}
	for _, x := range o.exclude {
		if ok, _ := filepath.Match(x, name); ok {
			return false
		}
	}
	return true
}
