#!/usr/bin/env python3
"""Dump the QMP events of one QEMU release's QAPI schema as small JSON.

Usage: qapi-events-dump.py QEMU_SOURCE_DIR VERSION > testdata/qapi/qemu-VERSION.json
   or: qapi-events-dump.py --resolved EVENTS_JSON QAPI_DIR VERSION [SNAPSHOT] > testdata/qapi/...

QEMU_SOURCE_DIR is an unpacked QEMU source tree (only qapi/ and scripts/qapi/
are read). The release's own QAPI front end (scripts/qapi) parses the schema,
so the dump is what that release's QEMU defines, not a guess. It keeps only
what the catalog check needs: each event with its members (name, type,
optional, the "since" of a member from its doc comment), the named types those
members reach (enum values with their "since", object members, union variants,
alternates), build conditions ("if") and features (e.g. "deprecated").

Integers keep QAPI's own type names (int, int8..int64, uint8..uint64, size),
and the dump says so ("int_widths": true): the catalog keeps the width and
checks the range. Older dumps named every integer "int".

--resolved converts the events of a tree already resolved by that tree's own
QAPI parser (a JSON list of events whose member types are written out in full,
as in ../shared/qapi/events-*.json) when only such a file and the tree's
qapi/*.json (QAPI_DIR) are at hand. A member's "since" is read again from the
doc comments in QAPI_DIR with this script's own pattern, which also finds
"(Since 2.2; before, ...)", a form such files may have missed. SNAPSHOT
describes a tree that is no release (upstream master of a date): VERSION is
then the tree's own VERSION (10.2.50 in the 11.0 cycle), and the catalog does
not count it as a release it knows (Catalog.Newest).

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
            if typ.json_type() == "int":
                return typ.name  # int, int8..int64, uint8..uint64, size
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


DOC_START_RE = re.compile(r"^# @([A-Za-z0-9_-]+):?\s*$")
ARG_RE = re.compile(r"^# @([A-Za-z0-9_-]+):(.*)$")


def member_docs(qapi_dir):
    """{definition: {member: doc text}} from the doc comments of qapi/*.json."""
    docs = {}
    for name in sorted(os.listdir(qapi_dir)):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(qapi_dir, name), encoding="utf-8") as f:
            lines = f.read().splitlines()
        defn, arg = None, None
        for i, line in enumerate(lines):
            if line.startswith("##"):
                head = DOC_START_RE.match(lines[i + 1]) if i + 1 < len(lines) else None
                defn, arg = (head.group(1), None) if head else (None, None)
                continue
            if defn is None or not line.startswith("#"):
                continue
            m = ARG_RE.match(line)
            if m:
                arg = m.group(1)
                docs.setdefault(defn, {})[arg] = m.group(2)
            elif arg and line.startswith("#  "):
                docs[defn][arg] += " " + line[1:].strip()
            else:
                arg = None
    return docs


def owner_name(defined_in):
    """The definition whose doc comment documents a member."""
    for prefix, suffix in (("q_obj_", "-arg"), ("q_obj_", "-base")):
        if defined_in.startswith(prefix) and defined_in.endswith(suffix):
            return defined_in[len(prefix):-len(suffix)]
    return defined_in


def with_extras(d, src, since):
    """d with the since, build condition and features of src, when set."""
    if since:
        d["since"] = since
    if src.get("if"):
        d["if"] = src["if"]
    if src.get("features"):
        d["features"] = sorted(src["features"])
    return d


class ResolvedDumper:
    """The same dump, from events whose types are written out in full."""

    def __init__(self, docs):
        self.types = {}
        self.docs = docs

    def since(self, m):
        text = self.docs.get(owner_name(m.get("defined_in") or ""), {}).get(m["name"])
        found = SINCE_RE.search(text or "")
        return found.group(1) if found else (m.get("since") or "")

    def type_ref(self, t):
        kind = t["kind"]
        if kind == "builtin":
            if t["json"] == "int":
                return t["name"]
            return BUILTIN.get(t["json"], "any")
        if kind == "array":
            return {"array": self.type_ref(t["element"])}
        if kind not in ("enum", "object"):
            raise SystemExit("type %s: kind %s is not supported" % (t.get("name"), kind))
        self.named(t)
        return t["name"]

    def named(self, t):
        name = t["name"]
        if name in self.types:
            return
        self.types[name] = None  # reserve against recursion
        out = {}
        if t.get("since"):
            out["since"] = t["since"]
        if t["kind"] == "enum":
            vals = []
            for v in t["values"]:
                vals.append(with_extras({"name": v["name"]}, v, v.get("since")))
            out["enum"] = vals
        else:
            out["members"] = self.members(t["members"])
            if t.get("tag") is not None:
                out["tag"] = t["tag"]
                out["variants"] = {c: self.members(v["members"])
                                   for c, v in t["variants"].items()}
        self.types[name] = out

    def members(self, members):
        out = []
        for m in members:
            d = {"name": m["name"], "type": self.type_ref(m["type"])}
            if m.get("optional"):
                d["optional"] = True
            out.append(with_extras(d, m, self.since(m)))
        return out

    def event(self, ev):
        d = with_extras({"name": ev["name"]}, ev, ev.get("since"))
        if ev.get("members") is not None and ev.get("arg_type") is not None:
            d["members"] = self.members(ev["members"])
        return d


def write(version, events, types, snapshot=None):
    out = {"qemu": version}
    if snapshot:
        out["snapshot"] = snapshot
    out["int_widths"] = True
    out["events"] = sorted(events, key=lambda e: e["name"])
    out["types"] = {k: v for k, v in sorted(types.items())}
    json.dump(out, sys.stdout, indent=1, sort_keys=False)
    sys.stdout.write("\n")


def main_resolved(path, qapi_dir, version, snapshot):
    with open(path, encoding="utf-8") as f:
        evs = json.load(f)
    dumper = ResolvedDumper(member_docs(qapi_dir))
    write(version, [dumper.event(e) for e in evs], dumper.types, snapshot)


def main():
    if len(sys.argv) in (5, 6) and sys.argv[1] == "--resolved":
        main_resolved(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] if len(sys.argv) == 6 else None)
        return
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
    write(version, events, dumper.types)


if __name__ == "__main__":
    main()
