package decode

import (
	"fmt"
	"io/fs"
	"sort"
	"strings"

	"go.yaml.in/yaml/v3"
)

// The on-disk shape of catalog/*.yaml. Types stay yaml.Nodes until every
// file is read, because a field may name a shared type from another file.
type yamlFile struct {
	QEMU   string               `yaml:"qemu"` // newest QEMU release the file follows
	Types  map[string]yaml.Node `yaml:"types"`
	Events []yaml.Node          `yaml:"events"`
}

type yamlEvent struct {
	Name        string         `yaml:"name"`
	Since       string         `yaml:"since"`
	Doc         string         `yaml:"doc"`
	RateLimited bool           `yaml:"rate-limited"`
	RateLimit   yamlRateLimit  `yaml:"rate-limit"`
	Removed     string         `yaml:"removed"`
	Own         bool           `yaml:"own"`
	FollowUps   []yamlFollowUp `yaml:"follow-ups"`
	Fields      []yaml.Node    `yaml:"fields"`
	Example     string         `yaml:"example"`
	Severity    yaml.Node      `yaml:"severity"`
}

type yamlRateLimit struct {
	Since  string       `yaml:"since"`
	Per    string       `yaml:"per"`
	Except []yamlExcept `yaml:"except"`
}

type yamlExcept struct {
	Field  string `yaml:"field"`
	Equals string `yaml:"equals"`
	Since  string `yaml:"since"`
}

type yamlFollowUp struct {
	When Cond   `yaml:"when"`
	Then string `yaml:"then"`
	Doc  string `yaml:"doc"`
}

type yamlField struct {
	Name      string    `yaml:"name"`
	Type      yaml.Node `yaml:"type"`
	Optional  bool      `yaml:"optional"`
	Since     string    `yaml:"since"`
	SinceFrom string    `yaml:"since-from"`
	Doc       string    `yaml:"doc"`
}

type yamlType struct {
	Enum      []yaml.Node            `yaml:"enum"`
	Object    []yaml.Node            `yaml:"object"`
	Tag       string                 `yaml:"tag"`
	Variants  map[string][]yaml.Node `yaml:"variants"`
	Array     yaml.Node              `yaml:"array"`
	Alternate []yaml.Node            `yaml:"alternate"`
}

func loadBuiltin() (*Catalog, error) {
	names, err := fs.Glob(catalogFS, "catalog/*.yaml")
	if err != nil {
		return nil, err
	}
	sort.Strings(names)
	files := map[string][]byte{}
	for _, n := range names {
		b, err := catalogFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		files[n] = b
	}
	return ParseCatalogYAML(files)
}

// ParseCatalogYAML builds a catalog from YAML documents keyed by file name,
// in the format of the builtin catalog/*.yaml (see catalog/events.yaml).
func ParseCatalogYAML(files map[string][]byte) (*Catalog, error) {
	l := &yamlLoader{named: map[string]*yaml.Node{}, built: map[string]*Type{}}
	var events []yamlEvent
	var where []string
	var newest Version
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		var f yamlFile
		if err := yaml.Unmarshal(files[n], &f); err != nil {
			return nil, fmt.Errorf("%s: %w", n, err)
		}
		if f.QEMU != "" {
			v, err := ParseVersion(f.QEMU)
			if err != nil {
				return nil, fmt.Errorf("%s: qemu: %w", n, err)
			}
			if newest.Less(v) {
				newest = v
			}
		}
		for tn, node := range f.Types {
			if _, dup := l.named[tn]; dup {
				return nil, fmt.Errorf("%s: type %s defined twice", n, tn)
			}
			node := node
			l.named[tn] = &node
		}
		for i := range f.Events {
			var e yamlEvent
			if err := decodeStrict(&f.Events[i], &e, "name", "since", "doc", "rate-limited", "rate-limit", "removed", "own", "follow-ups", "fields", "example", "severity"); err != nil {
				return nil, fmt.Errorf("%s: %w", n, err)
			}
			events = append(events, e)
			where = append(where, n)
		}
	}
	seen := map[string]bool{}
	specs := make([]*EventSpec, 0, len(events))
	for i, ye := range events {
		spec, err := l.event(ye)
		if err != nil {
			return nil, fmt.Errorf("%s: event %s: %w", where[i], ye.Name, err)
		}
		if seen[spec.Name] {
			return nil, fmt.Errorf("%s: event %s defined twice", where[i], spec.Name)
		}
		seen[spec.Name] = true
		specs = append(specs, spec)
	}
	c := newCatalog(specs)
	c.newest = newest
	return c, nil
}

type yamlLoader struct {
	named map[string]*yaml.Node
	built map[string]*Type // shared types, built once and reused
	stack []string         // named types being built, to reject cycles
}

func (l *yamlLoader) event(ye yamlEvent) (*EventSpec, error) {
	if ye.Name == "" {
		return nil, fmt.Errorf("missing name")
	}
	if ye.Doc == "" {
		return nil, fmt.Errorf("missing doc")
	}
	spec := &EventSpec{Name: ye.Name, Doc: ye.Doc, RateLimited: ye.RateLimited, Own: ye.Own, Example: ye.Example}
	var err error
	if spec.Since, err = optVersion(ye.Since); err != nil {
		return nil, err
	}
	if spec.Removed, err = optVersion(ye.Removed); err != nil {
		return nil, fmt.Errorf("removed: %w", err)
	}
	if spec.RateLimit.Since, err = optVersion(ye.RateLimit.Since); err != nil {
		return nil, fmt.Errorf("rate-limit: %w", err)
	}
	if (spec.RateLimit.Since.Known() || ye.RateLimit.Per != "" || len(ye.RateLimit.Except) > 0) && !spec.RateLimited {
		return nil, fmt.Errorf("rate-limit details without rate-limited: true")
	}
	if spec.Fields, err = l.fields(ye.Fields); err != nil {
		return nil, err
	}
	if spec.RateLimit.Per = ye.RateLimit.Per; spec.RateLimit.Per != "" && spec.field(spec.RateLimit.Per) == nil {
		return nil, fmt.Errorf("rate limit per unknown field %q", spec.RateLimit.Per)
	}
	for _, x := range ye.RateLimit.Except {
		if x.Field == "" || spec.field(x.Field) == nil {
			return nil, fmt.Errorf("rate-limit exception on unknown field %q", x.Field)
		}
		since, err := optVersion(x.Since)
		if err != nil {
			return nil, fmt.Errorf("rate-limit exception: %w", err)
		}
		spec.RateLimit.Except = append(spec.RateLimit.Except, RateExcept{When: Cond{Field: x.Field, Equals: x.Equals}, Since: since})
	}
	for _, fu := range ye.FollowUps {
		if fu.Then == "" {
			return nil, fmt.Errorf("follow-up without then")
		}
		if fu.When.Field != "" && spec.field(fu.When.Field) == nil {
			return nil, fmt.Errorf("follow-up on unknown field %q", fu.When.Field)
		}
		spec.FollowUps = append(spec.FollowUps, FollowUp(fu))
	}
	if spec.Severity, err = spec.severity(&ye.Severity); err != nil {
		return nil, err
	}
	return spec, nil
}

func (e *EventSpec) field(name string) *Field {
	for _, f := range e.Fields {
		if f.Name == name {
			return f
		}
	}
	return nil
}

func optVersion(s string) (Version, error) {
	if s == "" {
		return Version{}, nil
	}
	return ParseVersion(s)
}

func (l *yamlLoader) fields(nodes []yaml.Node) ([]*Field, error) {
	out := make([]*Field, 0, len(nodes))
	seen := map[string]bool{}
	for i := range nodes {
		var yf yamlField
		if err := decodeStrict(&nodes[i], &yf, "name", "type", "optional", "since", "since-from", "doc"); err != nil {
			return nil, err
		}
		if yf.Name == "" {
			return nil, fmt.Errorf("line %d: field without name", nodes[i].Line)
		}
		if seen[yf.Name] {
			return nil, fmt.Errorf("field %s listed twice", yf.Name)
		}
		seen[yf.Name] = true
		if yf.SinceFrom != "" && yf.SinceFrom != "history" {
			return nil, fmt.Errorf("field %s: since-from must be history", yf.Name)
		}
		f := &Field{Name: yf.Name, Doc: yf.Doc, Optional: yf.Optional, SinceFromHistory: yf.SinceFrom != ""}
		var err error
		if f.Since, err = optVersion(yf.Since); err != nil {
			return nil, fmt.Errorf("field %s: %w", yf.Name, err)
		}
		if yf.Type.Kind == 0 {
			return nil, fmt.Errorf("field %s: missing type", yf.Name)
		}
		if f.Type, err = l.typ(&yf.Type); err != nil {
			return nil, fmt.Errorf("field %s: %w", yf.Name, err)
		}
		out = append(out, f)
	}
	return out, nil
}

func (l *yamlLoader) typ(n *yaml.Node) (*Type, error) {
	if n.Kind == yaml.ScalarNode {
		switch n.Value {
		case KindStr, KindNumber, KindBool, KindAny, KindNull:
			return &Type{Kind: n.Value}, nil
		}
		if t := intType(n.Value); t != nil {
			return t, nil // int, int8..int64, uint8..uint64, size
		}
		return l.namedType(n.Value)
	}
	var yt yamlType
	if err := decodeStrict(n, &yt, "enum", "object", "tag", "variants", "array", "alternate"); err != nil {
		return nil, err
	}
	switch {
	case yt.Enum != nil:
		if len(yt.Enum) == 0 {
			return nil, fmt.Errorf("line %d: empty enum", n.Line)
		}
		return enumType(yt.Enum)
	case yt.Object != nil:
		ms, err := l.fields(yt.Object)
		if err != nil {
			return nil, err
		}
		t := &Type{Kind: KindObject, Members: ms}
		if yt.Tag != "" || yt.Variants != nil {
			if err := l.union(t, yt); err != nil {
				return nil, err
			}
		}
		return t, nil
	case yt.Array.Kind != 0:
		el, err := l.typ(&yt.Array)
		if err != nil {
			return nil, err
		}
		return &Type{Kind: KindArray, Elem: el}, nil
	case yt.Alternate != nil:
		t := &Type{Kind: KindAlternate}
		for i := range yt.Alternate {
			a, err := l.typ(&yt.Alternate[i])
			if err != nil {
				return nil, err
			}
			t.Alts = append(t.Alts, a)
		}
		return t, nil
	}
	return nil, fmt.Errorf("line %d: type needs one of enum, object, array, alternate", n.Line)
}

// enumType reads enum values: each a plain string, or a one-key mapping
// {value: "since"} for a value younger than its type.
func enumType(nodes []yaml.Node) (*Type, error) {
	t := &Type{Kind: KindEnum}
	for i := range nodes {
		n := &nodes[i]
		name, since := n.Value, ""
		switch {
		case n.Kind == yaml.MappingNode && len(n.Content) == 2:
			name, since = n.Content[0].Value, n.Content[1].Value
		case n.Kind != yaml.ScalarNode:
			return nil, fmt.Errorf("line %d: enum value must be a string or {value: since}", n.Line)
		}
		if contains(t.Values, name) {
			return nil, fmt.Errorf("line %d: enum value %q listed twice", n.Line, name)
		}
		t.Values = append(t.Values, name)
		if since != "" {
			v, err := ParseVersion(since)
			if err != nil {
				return nil, fmt.Errorf("line %d: enum value %s: %w", n.Line, name, err)
			}
			if t.Since == nil {
				t.Since = map[string]Version{}
			}
			t.Since[name] = v
		}
	}
	return t, nil
}

func (l *yamlLoader) union(t *Type, yt yamlType) error {
	var tag *Field
	for _, m := range t.Members {
		if m.Name == yt.Tag {
			tag = m
		}
	}
	if tag == nil || tag.Type.Kind != KindEnum {
		return fmt.Errorf("union tag %q must be an enum member", yt.Tag)
	}
	t.Tag = yt.Tag
	t.Variants = map[string][]*Field{}
	for c, nodes := range yt.Variants {
		if !contains(tag.Type.Values, c) {
			return fmt.Errorf("variant %q is not a value of tag %s", c, yt.Tag)
		}
		ms, err := l.fields(nodes)
		if err != nil {
			return fmt.Errorf("variant %s: %w", c, err)
		}
		t.Variants[c] = ms
	}
	return nil
}

func (l *yamlLoader) namedType(name string) (*Type, error) {
	if t, ok := l.built[name]; ok {
		return t, nil
	}
	n, ok := l.named[name]
	if !ok {
		return nil, fmt.Errorf("unknown type %q", name)
	}
	for _, s := range l.stack {
		if s == name {
			return nil, fmt.Errorf("type %s refers to itself", name)
		}
	}
	l.stack = append(l.stack, name)
	t, err := l.typ(n)
	l.stack = l.stack[:len(l.stack)-1]
	if err != nil {
		return nil, fmt.Errorf("type %s: %w", name, err)
	}
	if t.Name == "" {
		cp := *t
		cp.Name = name
		t = &cp
	}
	l.built[name] = t
	return t, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// decodeStrict decodes a mapping node, rejecting keys other than allowed. A
// comma in an unquoted flow-mapping value ({doc: a, b}) silently makes "b" a
// key; this turns that mistake into an error.
func decodeStrict(n *yaml.Node, out any, allowed ...string) error {
	if n.Kind != yaml.MappingNode {
		return fmt.Errorf("line %d: want a mapping", n.Line)
	}
	for i := 0; i < len(n.Content); i += 2 {
		if k := n.Content[i]; !contains(allowed, k.Value) {
			return fmt.Errorf("line %d: unknown key %q (want one of: %s)", k.Line, k.Value, strings.Join(allowed, ", "))
		}
	}
	return n.Decode(out)
}
