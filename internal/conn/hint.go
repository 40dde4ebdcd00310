package conn

import (
	"os"
	"path/filepath"
	"strings"

	"github.com/qmpwatch/qmpwatch/internal/nearest"
)

// hintError is an error with a "did you mean" after it; errors.Is still
// sees the error.
type hintError struct {
	err  error
	hint string
}

func (e *hintError) Error() string { return e.err.Error() + "; did you mean " + e.hint + "?" }
func (e *hintError) Unwrap() error { return e.err }

// noSocket is ErrNoSocket, with the monitor the user most likely meant
// when its folder has one: `watch vm1` beside vm1.qmp.
func noSocket(addr Addr) error {
	if addr.Network == "unix" {
		if near := nearSocket(addr.Address); near != "" {
			return &hintError{err: ErrNoSocket, hint: near}
		}
	}
	return ErrNoSocket
}

// nearSocket is path+".qmp" when that exists, else the socket or *.qmp file
// of path's folder whose name is a likely typo of path's (vm1 of vm1.qmp,
// vm-web1 of vm-web-1.qmp), else "".
func nearSocket(path string) string {
	if fi, err := os.Stat(path + ".qmp"); err == nil && !fi.IsDir() {
		return path + ".qmp"
	}
	dir, base := filepath.Split(path)
	read := dir
	if read == "" {
		read = "."
	}
	entries, err := os.ReadDir(read)
	if err != nil || base == "" {
		return ""
	}
	byStem := map[string]string{}
	var stems []string
	for _, e := range entries {
		name := e.Name()
		if e.Type()&os.ModeSocket == 0 && !strings.HasSuffix(name, ".qmp") {
			continue
		}
		stem := strings.TrimSuffix(name, ".qmp")
		byStem[stem] = name
		stems = append(stems, stem)
	}
	if best := nearest.Typo(strings.TrimSuffix(base, ".qmp"), stems); best != "" {
		return dir + byStem[best]
	}
	return ""
}
