package cmdutil

import "strings"

// A command says in its cobra annotations what its positional arguments are
// (completion completes them by kind) and which keys of the config file it
// reads that are not flags (the config check knows them then).
const (
	ArgsKey       = "qmpwatch/args"
	ConfigKeysKey = "qmpwatch/config-keys"
)

// Kinds of positional arguments.
const (
	ArgsAddress = "address" // QMP monitors: unix sockets, *.qmp files, folders
	ArgsLog     = "log"     // recorded logs
	ArgsEvent   = "event"   // one event name
	ArgsNone    = "none"
	ArgsTracker = "tracker" // addresses, or logs with --replay
	ArgsCommand = "command" // qmpwatch's command names
)

// Annotate is a command's annotations: its kind of arguments, and the
// config keys it reads that are not flags.
func Annotate(args string, configKeys ...string) map[string]string {
	a := map[string]string{ArgsKey: args}
	if len(configKeys) > 0 {
		a[ConfigKeysKey] = strings.Join(configKeys, ",")
	}
	return a
}
