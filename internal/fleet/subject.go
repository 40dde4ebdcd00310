// Package fleet carries qmpwatch's events through NATS JetStream: a
// Publisher on each host puts every event of every VM on the stream, and a
// Reader anywhere reads them back as decode.Event values, so a fleet of
// hosts is one more source for qmpwatch's reading commands.
package fleet

import (
	"errors"
	"fmt"
	"path"
	"strings"
)

// Prefix is the first token of every subject qmpwatch publishes:
// qmp.<host>.<vm>.<EVENT>.
const Prefix = "qmp"

// Escape makes name safe as one NATS subject token, reversibly.
//
// NATS forbids '.', '*', '>', white space and empty tokens, and tools treat
// other bytes badly, so every byte outside the letters, digits and
// "-_+=:@,~" is written as '%' and two upper-case hex digits ("web.1" →
// "web%2E1", "a b" → "a%20b", "%" → "%25"; UTF-8 names become their escaped
// bytes). The empty name is the single token "%", which no escaped name can
// be. Unescape reverses it exactly.
func Escape(name string) string {
	if name == "" {
		return "%"
	}
	n := 0
	for i := 0; i < len(name); i++ {
		if !plain(name[i]) {
			n++
		}
	}
	if n == 0 {
		return name
	}
	const hex = "0123456789ABCDEF"
	b := make([]byte, 0, len(name)+2*n)
	for i := 0; i < len(name); i++ {
		c := name[i]
		if plain(c) {
			b = append(b, c)
			continue
		}
		b = append(b, '%', hex[c>>4], hex[c&15])
	}
	return string(b)
}

// Unescape reverses Escape. It refuses tokens Escape cannot produce, so a
// subject written by something else does not silently become a wrong name.
func Unescape(tok string) (string, error) {
	if tok == "%" {
		return "", nil
	}
	if tok == "" {
		return "", errors.New("empty subject token")
	}
	if !strings.Contains(tok, "%") {
		for i := 0; i < len(tok); i++ {
			if !plain(tok[i]) {
				return "", fmt.Errorf("subject token %q: byte %q should be escaped", tok, tok[i])
			}
		}
		return tok, nil
	}
	b := make([]byte, 0, len(tok))
	for i := 0; i < len(tok); i++ {
		c := tok[i]
		if c != '%' {
			if !plain(c) {
				return "", fmt.Errorf("subject token %q: byte %q should be escaped", tok, c)
			}
			b = append(b, c)
			continue
		}
		if i+2 >= len(tok) {
			return "", fmt.Errorf("subject token %q: truncated escape", tok)
		}
		hi, ok1 := unhex(tok[i+1])
		lo, ok2 := unhex(tok[i+2])
		v := hi<<4 | lo
		if !ok1 || !ok2 || plain(v) {
			return "", fmt.Errorf("subject token %q: bad escape %q", tok, tok[i:i+3])
		}
		b = append(b, v)
		i += 2
	}
	return string(b), nil
}

func plain(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("-_+=:@,~", c) >= 0
}

// unhex reads an upper-case hex digit, the only case Escape writes.
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

// Subject is where an event of host's VM vm is published.
func Subject(host, vm, event string) string {
	return Prefix + "." + Escape(host) + "." + Escape(vm) + "." + Escape(event)
}

// ParseSubject splits a subject written by Subject.
func ParseSubject(subj string) (host, vm, event string, err error) {
	t := strings.Split(subj, ".")
	if len(t) != 4 || t[0] != Prefix {
		return "", "", "", fmt.Errorf("subject %q is not %s.<host>.<vm>.<EVENT>", subj, Prefix)
	}
	if host, err = Unescape(t[1]); err == nil {
		if vm, err = Unescape(t[2]); err == nil {
			event, err = Unescape(t[3])
		}
	}
	return host, vm, event, err
}

// Selection is what a reader wants: globs on the host label and the VM
// label (path.Match syntax, case-sensitive; empty means any) and the -e
// event globs (case-insensitive, as everywhere in qmpwatch; the reading
// pipeline applies them again, exactly).
type Selection struct {
	Host, VM string
	Events   []string
}

// Validate checks the globs' syntax.
func (s Selection) Validate() error {
	for _, g := range []struct{ flag, glob string }{{"--host", s.Host}, {"--vm", s.VM}} {
		if _, err := path.Match(g.glob, ""); err != nil {
			return fmt.Errorf("%s %q: %w", g.flag, g.glob, err)
		}
	}
	return nil
}

// FilterSubject is the one subject filter the server applies for s: each
// glob that is a literal name (or "*", or empty) becomes that token, any
// other glob becomes '*' and is checked here, in Match. Several -e globs
// become '*' too: the NATS 2.9 server takes a single filter subject.
func (s Selection) FilterSubject() string {
	h, v, e := globToken(s.Host), globToken(s.VM), "*"
	if len(s.Events) == 1 && isEventName(s.Events[0]) {
		e = Escape(strings.ToUpper(s.Events[0]))
	}
	if h == "*" && v == "*" && e == "*" {
		return Prefix + ".>"
	}
	return Prefix + "." + h + "." + v + "." + e
}

// Match reports whether host and vm pass the globs (events are left to
// the pipeline's own -e filter).
func (s Selection) Match(host, vm string) bool {
	return globOK(s.Host, host) && globOK(s.VM, vm)
}

func globOK(glob, name string) bool {
	if glob == "" {
		return true
	}
	ok, _ := path.Match(glob, name) // syntax checked by Validate
	return ok
}

func globToken(glob string) string {
	if glob == "" || glob == "*" || strings.ContainsAny(glob, `*?[\`) {
		return "*"
	}
	return Escape(glob)
}

// isEventName: a QEMU event name (upper-case letters, digits, '_') in any
// case and without glob characters, which -e matches case-insensitively.
func isEventName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '_') {
			return false
		}
	}
	return true
}
