package config

import (
	"fmt"
	"slices"

	"go.yaml.in/yaml/v3"

	"github.com/qmpwatch/qmpwatch/internal/action"
	"github.com/qmpwatch/qmpwatch/internal/nearest"
)

// ServeActionSpecs reads the actions list of serve's config file. Every
// key is checked: a typo would otherwise leave an action silently
// without its filter (a hook run for every event) or its webhook.
func ServeActionSpecs(file string) ([]action.Spec, error) {
	var cfg struct {
		Actions []yaml.Node `yaml:"actions"`
	}
	if err := readServe(file, &cfg); err != nil {
		return nil, err
	}
	specs := make([]action.Spec, len(cfg.Actions))
	for i := range cfg.Actions {
		n := &cfg.Actions[i]
		at := fmt.Sprintf("config %s: actions[%d]", file, i)
		if err := checkKeys(n, action.Keys, at); err != nil {
			return nil, err
		}
		if w := mapValue(n, "webhook"); w != nil {
			if err := checkKeys(w, action.WebhookKeys, at+".webhook"); err != nil {
				return nil, err
			}
		}
		if err := n.Decode(&specs[i]); err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
	}
	return specs, nil
}

// ServeActions reads and compiles serve's actions, each checked whole
// (filters, templates tried on a sample event, the webhook's URL) before
// anything starts; run is how they run.
func ServeActions(file string, run action.Run) ([]*action.Action, error) {
	specs, err := ServeActionSpecs(file)
	if err != nil {
		return nil, err
	}
	var actions []*action.Action
	seen := map[string]bool{}
	for i := range specs {
		s := &specs[i]
		at := fmt.Sprintf("config %s: actions[%d]", file, i)
		if s.Name != "" {
			at += " (" + s.Name + ")"
		}
		if seen[s.Name] {
			return nil, fmt.Errorf("%s: a second action named %q", at, s.Name)
		}
		seen[s.Name] = true
		a, err := s.Compile(run)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", at, err)
		}
		actions = append(actions, a)
	}
	return actions, nil
}

// checkKeys refuses a mapping key that is not one of known, naming the
// nearest one.
func checkKeys(n *yaml.Node, known []string, at string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("%s: want a mapping of %v (line %d)", at, known, n.Line)
	}
	for i := 0; i+1 < len(n.Content); i += 2 {
		k := n.Content[i].Value
		if slices.Contains(known, k) {
			continue
		}
		msg := fmt.Sprintf("%s: unknown key %q (line %d)", at, k, n.Content[i].Line)
		if near := nearest.Typo(k, known); near != "" {
			msg += fmt.Sprintf(": did you mean %q?", near)
		}
		return fmt.Errorf("%s", msg)
	}
	return nil
}

// mapValue is the value of key in the mapping n, nil when absent.
func mapValue(n *yaml.Node, key string) *yaml.Node {
	for i := 0; i+1 < len(n.Content); i += 2 {
		if n.Content[i].Value == key {
			return n.Content[i+1]
		}
	}
	return nil
}
