package decode

import "sort"

// SchemaDiff is how a running QEMU's own event schema differs from a
// catalog (normally Builtin, against FromQMPSchema of the live QEMU).
type SchemaDiff struct {
	Missing []string    // catalog events this QEMU does not report (not built in, e.g. SPICE_* without SPICE)
	Newer   []string    // catalog events introduced after this QEMU's version
	Removed []string    // catalog events QEMU removed at or before this version, "NAME (removed in 9.1)"
	Extra   []string    // events this QEMU reports that the catalog lacks
	Fields  []FieldDiff // member differences of events both know
}

// FieldDiff is one member difference, e.g. {RESET, data.guest, "optional in
// QEMU, required in the catalog"}.
type FieldDiff struct {
	Event, Path, Msg string
}

func (d FieldDiff) String() string { return d.Event + ": " + d.Path + ": " + d.Msg }

// Empty reports whether the live schema adds nothing the catalog lacks and
// disagrees on nothing. Missing and Newer events are expected differences.
func (d SchemaDiff) Empty() bool { return len(d.Extra) == 0 && len(d.Fields) == 0 }

// DiffSchemas compares a catalog with a live QEMU's schema. v is that QEMU's
// version: catalog fields and events added later are expected to be absent.
// Enum values the catalog has beyond the live ones are expected too (values
// only grow), and so are optional members the build lacks (QEMU compiles
// some out, such as mptcp on hosts without it); events QEMU removed by v are
// listed as Removed. Live members and values the catalog lacks are reported.
func DiffSchemas(cat, live *Catalog, v Version) SchemaDiff {
	var d SchemaDiff
	for _, e := range cat.Events() {
		if e.Own || live.Lookup(e.Name) != nil {
			continue
		}
		switch {
		case e.Removed.Known() && (!v.Known() || !v.Less(e.Removed)):
			d.Removed = append(d.Removed, e.Name+" (removed in "+shortVersion(e.Removed)+")")
		case v.Known() && v.Less(e.Since):
			d.Newer = append(d.Newer, e.Name)
		default:
			d.Missing = append(d.Missing, e.Name)
		}
	}
	for _, le := range live.Events() {
		ce := cat.Lookup(le.Name)
		if ce == nil {
			d.Extra = append(d.Extra, le.Name)
			continue
		}
		c := differ{event: le.Name, v: v}
		c.fields("data", ce.data, le.data)
		d.Fields = append(d.Fields, c.out...)
	}
	return d
}

type differ struct {
	event string
	v     Version
	out   []FieldDiff
}

func (c *differ) add(path, msg string) {
	c.out = append(c.out, FieldDiff{Event: c.event, Path: path, Msg: msg})
}

// fields compares the members (and union variants) of two object types.
func (c *differ) fields(path string, ct, lt *Type) {
	c.members(path, ct.Members, lt.Members)
	if lt.Tag == "" && ct.Tag == "" {
		return
	}
	if lt.Tag != ct.Tag {
		c.add(path, "union tag is "+quoteShort(lt.Tag)+" in QEMU, "+quoteShort(ct.Tag)+" in the catalog")
		return
	}
	cases := make([]string, 0, len(lt.Variants))
	for k := range lt.Variants {
		cases = append(cases, k)
	}
	sort.Strings(cases)
	for _, k := range cases {
		cv, ok := ct.Variants[k]
		if !ok {
			if len(lt.Variants[k]) > 0 {
				c.add(path, "variant "+quoteShort(k)+" is not in the catalog")
			}
			continue
		}
		c.members(path, cv, lt.Variants[k])
	}
}

func (c *differ) members(path string, cms, lms []*Field) {
	for _, lf := range lms {
		p := path + "." + lf.Name
		cf := findField(cms, lf.Name)
		if cf == nil {
			c.add(p, "not in the catalog (QEMU sends "+lf.Type.String()+")")
			continue
		}
		if cf.Optional != lf.Optional {
			c.add(p, optName(lf.Optional)+" in QEMU, "+optName(cf.Optional)+" in the catalog")
		}
		c.typ(p, cf.Type, lf.Type)
	}
	for _, cf := range cms {
		if findField(lms, cf.Name) != nil {
			continue
		}
		if c.v.Known() && c.v.Less(cf.Since) {
			continue // added after this QEMU
		}
		if cf.Optional {
			continue // a build may compile it out (mptcp, abstract, tight)
		}
		c.add(path+"."+cf.Name, "in the catalog, but this QEMU does not have it")
	}
}

func optName(optional bool) string {
	if optional {
		return "optional"
	}
	return "required"
}

func (c *differ) typ(path string, ct, lt *Type) {
	if ct.Kind != lt.Kind {
		c.add(path, "type "+lt.String()+" in QEMU, "+ct.String()+" in the catalog")
		return
	}
	switch lt.Kind {
	case KindEnum:
		for _, val := range lt.Values {
			if !contains(ct.Values, val) {
				c.add(path, "value "+quoteShort(val)+" is not in the catalog")
			}
		}
	case KindArray:
		c.typ(path+"[]", ct.Elem, lt.Elem)
	case KindObject:
		c.fields(path, ct, lt)
	case KindAlternate:
		if len(ct.Alts) != len(lt.Alts) {
			c.add(path, "alternate of "+lt.String()+" in QEMU, "+ct.String()+" in the catalog")
			return
		}
		for i := range lt.Alts {
			c.typ(path, ct.Alts[i], lt.Alts[i])
		}
	}
}
