package conn

import (
	"fmt"

	"github.com/qmpwatch/qmpwatch/internal/decode"
)

// Greeting is QEMU's {"QMP": ...} banner.
type Greeting struct {
	Version      decode.Version
	Package      string
	Capabilities []string
	Raw          []byte // the QMP member as received
}

func parseGreeting(raw []byte) (Greeting, error) {
	v, err := decode.Parse(raw)
	if err != nil {
		return Greeting{}, err
	}
	q, ok := v.Path("version", "qemu")
	if !ok {
		return Greeting{}, fmt.Errorf("greeting has no version")
	}
	g := Greeting{Raw: append([]byte(nil), raw...)}
	maj, _ := mustInt(q, "major")
	min, _ := mustInt(q, "minor")
	mic, _ := mustInt(q, "micro")
	g.Version = decode.Version{Major: maj, Minor: min, Micro: mic}
	if pv, ok := v.Path("version", "package"); ok {
		g.Package = pv.Text
	}
	if caps, ok := v.Get("capabilities"); ok {
		for _, c := range caps.Items {
			g.Capabilities = append(g.Capabilities, c.Text)
		}
	}
	return g, nil
}

func mustInt(v decode.Value, key string) (int, bool) {
	m, ok := v.Get(key)
	if !ok {
		return 0, false
	}
	n, ok := m.Int64()
	return int(n), ok
}
