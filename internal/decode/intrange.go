package decode

import (
	"strconv"
)

// intRange checks an integer literal against its type's range and says
// which range it is outside of ("" when it fits): QAPI's int is 64-bit
// signed, int8..int64 and uint8..uint64 have their width, size is 64-bit
// unsigned, and a live schema's "int" stands for any of them.
func intRange(lit string, t *Type) string {
	b := int(t.bits())
	switch {
	case t.AnyInt64:
		_, serr := strconv.ParseInt(lit, 10, 64)
		_, uerr := strconv.ParseUint(lit, 10, 64)
		if serr != nil && uerr != nil {
			return "a 64-bit integer (-9223372036854775808 to 18446744073709551615)"
		}
	case t.Kind == KindUint:
		if _, err := strconv.ParseUint(lit, 10, b); err != nil {
			return intName(t, "uint") + " (0 to " + strconv.FormatUint(1<<b-1, 10) + ")"
		}
	default:
		if _, err := strconv.ParseInt(lit, 10, b); err != nil {
			return intName(t, "int") + " (" + strconv.FormatInt(-1<<(b-1), 10) + " to " + strconv.FormatInt(1<<(b-1)-1, 10) + ")"
		}
	}
	return ""
}

// intName names an integer type in a range message: uint32, size, int64
// (QAPI's plain int is int64).
func intName(t *Type, prefix string) string {
	if t.Int != "" && t.Int != "int" {
		return t.Int
	}
	return prefix + strconv.Itoa(int(t.bits()))
}
