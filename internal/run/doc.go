// Package run holds what the commands that stream events do once their
// options are checked: each takes its command's options (the fields its
// flags fill) and the streams, opens its sources and sinks, and runs the
// engine. The command line (cmd/qmpwatch) only defines flags and help.
package run
