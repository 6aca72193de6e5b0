package clerk

import (
	"regexp"
	"strings"
	"testing"
)

// jwtShaped is Clerk's isJwtFormat regular expression.
func TestJWTShaped(t *testing.T) {
	re := regexp.MustCompile(`^[a-zA-Z0-9\-_]+\.[a-zA-Z0-9\-_]+\.[a-zA-Z0-9\-_]+$`)
	for _, s := range []string{
		"a.b.c", "eyJ.eyJ.sig", "a.b", "a.b.c.d", ".b.c", "a..c", "a.b.", "", "...", "a.b.c\n",
		"a.b.c=", "a+b.c.d", "a/b.c.d", "ak_123", "mt_" + strings.Repeat("x", 32), "a b.c.d",
		"a.b.c\x00", "\xffa.b.c", "A-_z.0-9.Z_", strings.Repeat("x", 2000) + ".y.z",
	} {
		if got, want := jwtShaped(s), re.MatchString(s); got != want {
			t.Errorf("jwtShaped(%q) = %v, want %v", s, got, want)
		}
	}
}
