package config

import (
	"fmt"
	"io"
	"os"

	"go.yaml.in/yaml/v3"

	"github.com/qmpwatch/qmpwatch/internal/source"
)

// serve's config file holds, besides its flags, two lists: the sources
// (ServeSources) and the actions (ServeActions).

// serveSource is one entry of the config file's sources list: an address
// (or glob), optionally with the label its VM gets in the metrics.
type serveSource struct {
	Address string `yaml:"address"`
	Label   string `yaml:"label"`
}

// UnmarshalYAML accepts a plain address as well as {address, label}.
func (s *serveSource) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		return n.Decode(&s.Address)
	}
	type plain serveSource
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*s = serveSource(p)
	return nil
}

// ServeSources reads the sources list of serve's config file, as the
// source.Spec takes it; the other keys are flags, which State.Load
// already set.
func ServeSources(file string) ([]source.Labelled, error) {
	var cfg struct {
		Sources []serveSource `yaml:"sources"`
	}
	if err := readServe(file, &cfg); err != nil {
		return nil, err
	}
	var out []source.Labelled
	for i, s := range cfg.Sources {
		if s.Address == "" {
			return nil, fmt.Errorf("config %s: sources[%d] has no address", file, i)
		}
		out = append(out, source.Labelled{Address: s.Address, Label: s.Label})
	}
	return out, nil
}

// readServe decodes serve's config file into cfg, which picks the keys
// that are not flags (State.Load set those). No file: nothing to do.
func readServe(file string, cfg any) error {
	if file == "" {
		return nil
	}
	b, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("config %s: %w", file, err)
	}
	if err := yaml.Unmarshal(b, cfg); err != nil && err != io.EOF {
		return fmt.Errorf("config %s: %w", file, err)
	}
	return nil
}
