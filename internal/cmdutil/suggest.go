package cmdutil

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/qmpwatch/qmpwatch/internal/exitcode"
	"github.com/qmpwatch/qmpwatch/internal/nearest"
	"github.com/qmpwatch/qmpwatch/internal/pipeline"
)

// The "did you mean" of the command line itself, through internal/nearest
// like every other (cobra's own suggestions are off: they ended in a tab
// that the escaper shows as \x09, and used another distance).

var unknownCommand = regexp.MustCompile(`^unknown command ("(?:[^"\\]|\\.)*") for "`)

// SuggestCommand adds the nearest command to cobra's unknown-command error.
func SuggestCommand(root *cobra.Command, err error) error {
	m := unknownCommand.FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	name, uerr := strconv.Unquote(m[1])
	if uerr != nil {
		return err
	}
	var names []string
	for _, c := range root.Commands() {
		if c.IsAvailableCommand() || c.Name() == "help" {
			names = append(names, c.Name())
			names = append(names, c.Aliases...)
		}
	}
	if near := nearest.Typo(name, names); near != "" {
		return exitcode.With(exitcode.Usage, fmt.Errorf("%w; did you mean %s?", err, near))
	}
	return exitcode.With(exitcode.Usage, err)
}

// SuggestFlag adds the nearest flag of c to pflag's unknown-flag error
// (--evnt: did you mean --event?).
func SuggestFlag(c *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var names []string
	c.Flags().VisitAll(func(f *pflag.Flag) {
		if !f.Hidden {
			names = append(names, f.Name)
		}
	})
	if near := nearest.Typo(name, names); near != "" {
		return fmt.Errorf("%w; did you mean --%s?", err, near)
	}
	return err
}

// FilterAsFollow is the usage error for an address that -f took as its
// value (watch -f vm1.qmp, the tail -f habit): said before the arguments
// are counted, which would only say that none was given.
func FilterAsFollow(cmd *cobra.Command, args []string) error {
	f := cmd.Flags().Lookup("filter")
	if len(args) > 0 || f == nil || !f.Changed || !pipeline.LooksLikePath(f.Value.String()) {
		return nil
	}
	return exitcode.Usagef("-f takes a jq filter, and %q looks like a file: to watch it give it as ADDRESS (qmpwatch %s %s); to follow a log use replay -F FILE",
		f.Value.String(), cmd.Name(), f.Value.String())
}

// HelpHint is the line after a usage error: the help of the command that
// was run, where the fix is.
func HelpHint(cmd *cobra.Command) string {
	path := "qmpwatch"
	if cmd != nil {
		path = cmd.CommandPath()
	}
	return "Run '" + path + " --help' for usage."
}
