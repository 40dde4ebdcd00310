package decode

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// schemaEntity is one element of query-qmp-schema's return array. Only the
// members qmpwatch needs are kept.
type schemaEntity struct {
	Name        string          `json:"name"`
	MetaType    string          `json:"meta-type"`
	ArgType     string          `json:"arg-type"`     // event, command
	JSONType    string          `json:"json-type"`    // builtin
	Values      []string        `json:"values"`       // enum
	Members     []schemaMember  `json:"members"`      // object, enum (7.2+), alternate
	Tag         string          `json:"tag"`          // object with variants
	Variants    []schemaVariant `json:"variants"`     // object with variants
	ElementType string          `json:"element-type"` // array
}

type schemaMember struct {
	Name    string          `json:"name"`
	Type    string          `json:"type"`
	Default json.RawMessage `json:"default"` // present (as null) when the member is optional
}

type schemaVariant struct {
	Case string `json:"case"`
	Type string `json:"type"`
}

// FromQMPSchema builds a catalog from the raw "return" JSON of
// query-qmp-schema: every entity with meta-type "event", with its members
// resolved through the numbered type names. The result has no docs and no
// versions (fields are as old as their events), so it judges events exactly
// as the running QEMU defines them.
//
// A whole reply ({"return": [...]}) is accepted too.
func FromQMPSchema(ret []byte) (*Catalog, error) {
	if b := bytes.TrimSpace(ret); len(b) > 0 && b[0] == '{' {
		var reply struct {
			Return json.RawMessage `json:"return"`
		}
		if err := json.Unmarshal(b, &reply); err != nil || reply.Return == nil {
			return nil, fmt.Errorf("query-qmp-schema: want the return array or a reply holding it")
		}
		ret = reply.Return
	}
	var ents []schemaEntity
	if err := json.Unmarshal(ret, &ents); err != nil {
		return nil, fmt.Errorf("query-qmp-schema: %w", err)
	}
	r := schemaResolver{by: make(map[string]*schemaEntity, len(ents)), built: map[string]*Type{}, busy: map[string]bool{}}
	for i := range ents {
		r.by[ents[i].Name] = &ents[i]
	}
	var specs []*EventSpec
	for i := range ents {
		e := &ents[i]
		if e.MetaType != "event" {
			continue
		}
		spec := &EventSpec{Name: e.Name, Doc: "(from the QEMU's own schema)"}
		if e.ArgType != "" {
			t, err := r.typ(e.ArgType)
			if err != nil {
				return nil, fmt.Errorf("query-qmp-schema: event %s: %w", e.Name, err)
			}
			if t.Kind != KindObject {
				return nil, fmt.Errorf("query-qmp-schema: event %s: data is %s, not an object", e.Name, t.Kind)
			}
			spec.Fields = t.Members
			if t.Tag != "" {
				spec.data = t // a union as event data keeps its variants
			}
		}
		specs = append(specs, spec)
	}
	if len(specs) == 0 {
		return nil, fmt.Errorf("query-qmp-schema: no events in the schema")
	}
	return newCatalog(specs), nil
}

type schemaResolver struct {
	by    map[string]*schemaEntity
	built map[string]*Type
	busy  map[string]bool // types being resolved, to stop on recursive types
}

func (r *schemaResolver) typ(name string) (*Type, error) {
	if t, ok := r.built[name]; ok {
		return t, nil
	}
	e, ok := r.by[name]
	if !ok {
		return nil, fmt.Errorf("type %q is not in the schema", name)
	}
	if r.busy[name] {
		// A recursive type (none in today's events): stop checking here.
		return &Type{Kind: KindAny}, nil
	}
	r.busy[name] = true
	defer delete(r.busy, name)
	t, err := r.build(e)
	if err != nil {
		return nil, err
	}
	r.built[name] = t
	return t, nil
}

func (r *schemaResolver) build(e *schemaEntity) (*Type, error) {
	switch e.MetaType {
	case "builtin":
		t := &Type{Kind: builtinKind(e.JSONType), Name: e.Name}
		t.AnyInt64 = t.Kind == KindInt
		return t, nil
	case "enum":
		vals := e.Values
		if vals == nil {
			for _, m := range e.Members {
				vals = append(vals, m.Name)
			}
		}
		return &Type{Kind: KindEnum, Values: vals}, nil
	case "array":
		el, err := r.typ(e.ElementType)
		if err != nil {
			return nil, err
		}
		return &Type{Kind: KindArray, Elem: el}, nil
	case "alternate":
		t := &Type{Kind: KindAlternate}
		for _, m := range e.Members {
			a, err := r.typ(m.Type)
			if err != nil {
				return nil, err
			}
			t.Alts = append(t.Alts, a)
		}
		return t, nil
	case "object":
		t := &Type{Kind: KindObject}
		var err error
		if t.Members, err = r.members(e.Members); err != nil {
			return nil, err
		}
		if e.Tag != "" {
			t.Tag = e.Tag
			t.Variants = map[string][]*Field{}
			for _, v := range e.Variants {
				vt, err := r.typ(v.Type)
				if err != nil {
					return nil, err
				}
				t.Variants[v.Case] = vt.Members
			}
		}
		return t, nil
	}
	return nil, fmt.Errorf("type %s has unexpected meta-type %q", e.Name, e.MetaType)
}

func (r *schemaResolver) members(ms []schemaMember) ([]*Field, error) {
	out := make([]*Field, 0, len(ms))
	for _, m := range ms {
		t, err := r.typ(m.Type)
		if err != nil {
			return nil, fmt.Errorf("member %s: %w", m.Name, err)
		}
		out = append(out, &Field{Name: m.Name, Type: t, Optional: m.Default != nil})
	}
	return out, nil
}

// builtinKind maps a QAPI builtin's JSON type to a Type kind.
func builtinKind(jsonType string) string {
	switch jsonType {
	case "string":
		return KindStr
	case "int":
		return KindInt
	case "number":
		return KindNumber
	case "boolean":
		return KindBool
	case "null":
		return KindNull
	}
	return KindAny // "value" (any JSON) and "object" (any object)
}
