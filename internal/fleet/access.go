package fleet

import (
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/qmpwatch/qmpwatch/internal/render"
)

// Access says how to reach and log in to a NATS server.
type Access struct {
	// URL is nats://[user:pass@]host[:port] (tls:// for TLS); several
	// servers of a cluster may be comma-separated.
	URL string
	// Creds is a NATS credentials file (a user JWT and its nkey seed).
	Creds string
	// TLSCA is a PEM file of the CAs that sign the server's certificate.
	TLSCA string
	// Name is the client name the server shows for this connection.
	Name string
}

// IsURL reports whether arg names a NATS server rather than a monitor.
func IsURL(arg string) bool {
	return strings.HasPrefix(arg, "nats://") || strings.HasPrefix(arg, "tls://")
}

// Redacted is the URL without its password, for messages and for
// qmpwatch config. A URL that does not parse (a password with an unescaped
// "/" or "#") has everything between the scheme and its last "@" hidden.
func (a Access) Redacted() string {
	parts := strings.Split(a.URL, ",")
	for i, p := range parts {
		u, err := url.Parse(p)
		if err == nil && u.User != nil {
			if _, has := u.User.Password(); has {
				u.User = url.UserPassword(u.User.Username(), "xxx")
			}
			parts[i] = u.String()
			continue
		}
		if at, scheme := strings.LastIndex(p, "@"), strings.Index(p, "://"); at > scheme && (err != nil || scheme >= 0) {
			if scheme < 0 {
				parts[i] = "xxx" + p[at:]
			} else {
				parts[i] = p[:scheme+3] + "xxx" + p[at:]
			}
		}
	}
	return strings.Join(parts, ",")
}

// options are the nats.go options for a; asynchronous errors (a
// permission refused after the fact) go to notes as one line; extra come
// last.
func (a Access) options(notes io.Writer, extra ...nats.Option) []nats.Option {
	return a.optionsWith(func(err error) {
		fmt.Fprintf(notes, "qmpwatch: nats: %s: %s\n", a.Redacted(), render.Safe(err.Error()))
	}, extra...)
}

// optionsWith is options with the asynchronous errors going to onErr.
func (a Access) optionsWith(onErr func(error), extra ...nats.Option) []nats.Option {
	o := []nats.Option{nats.Name(a.Name), nats.Timeout(5 * time.Second),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { onErr(err) })}
	if a.Creds != "" {
		o = append(o, nats.UserCredentials(a.Creds))
	}
	if a.TLSCA != "" {
		o = append(o, nats.RootCAs(a.TLSCA))
	}
	return append(o, extra...)
}

// credsWarning is a line on a credentials file that others may read or
// change (its nkey seed lets whoever has it act as this user), else "".
func (a Access) credsWarning() string {
	if a.Creds == "" {
		return ""
	}
	fi, err := os.Stat(a.Creds)
	if err != nil || fi.Mode().Perm()&0o077 == 0 {
		return "" // a missing file is nats.go's one-line error
	}
	f := render.Safe(a.Creds)
	return fmt.Sprintf("qmpwatch: nats: --nats-creds %s has mode %04o: other users may read its secret seed and act as this NATS user; chmod 600 %s\n",
		f, fi.Mode().Perm(), f)
}

// connectError is the one line for a failed connection.
func (a Access) connectError(err error) error {
	switch {
	case errors.Is(err, nats.ErrNoServers):
		return fmt.Errorf("%s: server unreachable: %w", a.Redacted(), err)
	case errors.Is(err, nats.ErrAuthorization), errors.Is(err, nats.ErrAuthExpired), errors.Is(err, nats.ErrAuthRevoked):
		return fmt.Errorf("%s: authentication refused: %w", a.Redacted(), err)
	}
	return fmt.Errorf("%s: %w", a.Redacted(), err)
}

// CheckURL refuses a server URL that nats.go could only fail on later: each
// comma-separated server must be nats:// or tls:// with a host and at most a
// port. The error never shows a password.
func CheckURL(s string) error {
	const want = "want nats://[user:pass@]host[:port]"
	for _, p := range strings.Split(s, ",") {
		u, err := url.Parse(p)
		if err != nil {
			return fmt.Errorf("bad NATS URL (%s)", want)
		}
		shown := render.Safe(Access{URL: p}.Redacted())
		if (u.Scheme != "nats" && u.Scheme != "tls") || u.Hostname() == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" || u.Fragment != "" {
			return fmt.Errorf("%s: bad NATS URL (%s)", shown, want)
		}
		if port := u.Port(); port != "" {
			if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 {
				return fmt.Errorf("%s: bad NATS URL: port %s", shown, render.Safe(port))
			}
		}
	}
	return nil
}
