package decode

// intTypes are QAPI's integer types, by the name the catalog and QAPI give
// them: signed or not, and their width in bits.
var intTypes = map[string]struct {
	kind string
	bits uint8
}{
	"int": {KindInt, 64}, "int8": {KindInt, 8}, "int16": {KindInt, 16}, "int32": {KindInt, 32}, "int64": {KindInt, 64},
	"uint8": {KindUint, 8}, "uint16": {KindUint, 16}, "uint32": {KindUint, 32}, "uint64": {KindUint, 64},
	"size": {KindUint, 64},
}

// intType returns the Type of the QAPI integer type name, or nil when name
// is no integer type.
func intType(name string) *Type {
	it, ok := intTypes[name]
	if !ok {
		return nil
	}
	return &Type{Kind: it.kind, Int: name, Bits: it.bits}
}

// bits is the type's width: 64 unless the catalog says less.
func (t *Type) bits() uint8 {
	if t.Bits == 0 {
		return 64
	}
	return t.Bits
}

// intFits reports whether the integer literal lit (JSON syntax: an optional
// minus, then at most 18 digits) fits t. It allocates nothing: it is the
// range check of validation's fast path; a literal that does not fit takes
// the slow path, which says why (intRange).
func intFits(lit []byte, t *Type) bool {
	neg := lit[0] == '-'
	b := t.bits()
	switch {
	case t.Kind == KindUint && neg:
		return false
	case b == 64 || t.AnyInt64:
		return true // 18 digits fit every 64-bit type
	}
	if neg {
		lit = lit[1:]
	}
	var v uint64
	for _, c := range lit {
		v = v*10 + uint64(c-'0') // 18 digits cannot overflow
	}
	switch {
	case t.Kind == KindUint:
		return v <= 1<<b-1
	case neg:
		return v <= 1<<(b-1)
	}
	return v <= 1<<(b-1)-1
}
