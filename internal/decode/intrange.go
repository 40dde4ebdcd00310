package decode

import "strconv"

// intRange checks an integer literal against its type's range and says
// which range it is outside of ("" when it fits): QAPI's int is 64-bit
// signed, its uint64 and size are 64-bit unsigned, and a live schema's
// "int" stands for either.
func intRange(lit string, t *Type) string {
	_, serr := strconv.ParseInt(lit, 10, 64)
	_, uerr := strconv.ParseUint(lit, 10, 64)
	switch {
	case t.Kind == KindUint:
		if uerr != nil {
			return "uint64 (0 to 18446744073709551615)"
		}
	case t.AnyInt64:
		if serr != nil && uerr != nil {
			return "a 64-bit integer (-9223372036854775808 to 18446744073709551615)"
		}
	case serr != nil:
		return "int64 (-9223372036854775808 to 9223372036854775807)"
	}
	return ""
}
