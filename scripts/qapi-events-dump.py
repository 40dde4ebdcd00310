#!/usr/bin/env python3
"""Dump the QMP events of one QEMU release's QAPI schema as small JSON.

Usage: qapi-events-dump.py QEMU_SOURCE_DIR VERSION > testdata/qapi/qemu-VERSION.json

QEMU_SOURCE_DIR is an unpacked QEMU source tree (only qapi/ and scripts/qapi/
are read). The release's own QAPI front end (scripts/qapi) parses the schema,
so the dump is what that release's QEMU defines, not a guess. It keeps only
what the catalog check needs: each event with its members (name, type,
optional, the "since" of a member from its doc comment), the named types those
members reach (enum values with their "since", object members, union variants,
alternates), build conditions ("if") and features (e.g. "deprecated").

The dumps are read by internal/decode's TestCatalogMatchesQAPI. Get the
sources from Debian (see docs/schema.md, "The catalog and QEMU's schema"):
  apt-get source --download-only qemu/sid
  tar xJf qemu_*.orig.tar.xz --wildcards '*/qapi/*' '*/scripts/qapi/*'
"""

import json
import os
import re
import sys

SINCE_RE = re.compile(r"\(\s*since:?\s*v?([0-9]+\.[0-9]+(?:\.[0-9]+)?)\b", re.I)
SECTION_SINCE_RE = re.compile(r"^\s*([0-9]+\.[0-9]+(?:\.[0-9]+)?)")

# QAPI builtins by JSON type, as the catalog names them.
BUILTIN = {"string": "str", "int": "int", "number": "number",
           "boolean": "bool", "null": "null", "value": "any", "object": "any"}


def section_since(doc):
    """The "Since:" section of a definition's doc comment, or ""."""
    if doc is None:
        return ""
    sec = getattr(doc, "since", None)  # QEMU 9.1+
    if sec is not None:
        return _first_version(sec.text)
    for s in getattr(doc, "sections", []):
        name = getattr(s, "name", None) or str(getattr(s, "tag", "") or "")
        if name and name.lower().startswith("since"):
            return _first_version(s.text)
        kind = getattr(s, "kind", None)
        if kind is not None and str(kind).endswith("SINCE"):
            return _first_version(s.text)
    return ""


def _first_version(text):
    m = SECTION_SINCE_RE.match(text or "")
    return m.group(1) if m else ""


def arg_since(doc, name):
    """The "(since X)" of a member's or enum value's description, or ""."""
    if doc is None:
        return ""
    sec = doc.args.get(name)
    if sec is None:
        return ""
    m = SINCE_RE.search(sec.text or "")
    return m.group(1) if m else ""


def ifcond(obj):
    c = getattr(obj, "ifcond", None)
    if c is None:
        return None
    raw = getattr(c, "ifcond", c)
    if not raw:
        return None
    return raw


def features(obj):
    return sorted(f.name for f in getattr(obj, "features", []) or [])


class Dumper:
    def __init__(self, schema):
        self.schema = schema
        self.types = {}

    def type_ref(self, typ):
        """A member's type: a builtin name, {"array": T}, or a named type."""
        from qapi.schema import (QAPISchemaArrayType, QAPISchemaBuiltinType)
        if isinstance(typ, QAPISchemaBuiltinType):
            return BUILTIN.get(typ.json_type(), "any")
        if isinstance(typ, QAPISchemaArrayType):
            return {"array": self.type_ref(typ.element_type)}
        self.named(typ)
        return typ.name

    def named(self, typ):
        from qapi.schema import (QAPISchemaEnumType, QAPISchemaObjectType,
                                 QAPISchemaAlternateType)
        if typ.name in self.types:
            return
        self.types[typ.name] = None  # reserve against recursion
        out = {}
        since = section_since(typ.doc)
        if since:
            out["since"] = since
        if isinstance(typ, QAPISchemaEnumType):
            vals = []
            for m in typ.members:
                v = {"name": m.name}
                s = arg_since(typ.doc, m.name)
                if s:
                    v["since"] = s
                c = ifcond(m)
                if c:
                    v["if"] = c
                if features(m):
                    v["features"] = features(m)
                vals.append(v)
            out["enum"] = vals
        elif isinstance(typ, QAPISchemaObjectType):
            out["members"] = self.members(typ.members, None)
            br = getattr(typ, "branches", None) or getattr(typ, "variants", None)
            if br is not None:
                out["tag"] = br.tag_member.name
                var = {}
                for v in br.variants:
                    vt = v.type
                    var[v.name] = self.members(vt.members, None) if vt.members else []
                out["variants"] = var
        elif isinstance(typ, QAPISchemaAlternateType):
            alts = getattr(typ, "alternatives", None) or getattr(typ, "variants", None)
            out["alternate"] = [self.type_ref(v.type) for v in alts.variants]
        self.types[typ.name] = out

    def members(self, members, fallback_doc):
        out = []
        for m in members:
            d = {"name": m.name, "type": self.type_ref(m.type)}
            if m.optional:
                d["optional"] = True
            doc = fallback_doc
            owner = self.schema.lookup_entity(m.defined_in) if m.defined_in else None
            if owner is not None and owner.doc is not None:
                doc = owner.doc
            s = arg_since(doc, m.name)
            if s:
                d["since"] = s
            c = ifcond(m)
            if c:
                d["if"] = c
            if features(m):
                d["features"] = features(m)
            out.append(d)
        return out

    def event(self, ev):
        d = {"name": ev.name}
        s = section_since(ev.doc)
        if s:
            d["since"] = s
        c = ifcond(ev)
        if c:
            d["if"] = c
        if features(ev):
            d["features"] = features(ev)
        if ev.arg_type is not None:
            d["members"] = self.members(ev.arg_type.members, ev.doc)
            br = getattr(ev.arg_type, "branches", None) or getattr(ev.arg_type, "variants", None)
            if br is not None:
                raise SystemExit("event %s: union data is not supported" % ev.name)
        return d


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__.strip().splitlines()[2])
    src, version = sys.argv[1], sys.argv[2]
    sys.path.insert(0, os.path.join(src, "scripts"))
    from qapi.schema import QAPISchema, QAPISchemaEvent
    schema = QAPISchema(os.path.join(src, "qapi", "qapi-schema.json"))
    dumper = Dumper(schema)
    events = []
    for ent in schema._entity_list:  # pylint: disable=protected-access
        if isinstance(ent, QAPISchemaEvent):
            events.append(dumper.event(ent))
    events.sort(key=lambda e: e["name"])
    types = {k: v for k, v in sorted(dumper.types.items())}
    json.dump({"qemu": version, "events": events, "types": types},
              sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
