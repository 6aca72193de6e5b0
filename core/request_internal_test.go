package clerk

import (
	"net/http"
	"net/textproto"
	"testing"
)

// TestHeaderLookupMatchesGet: the direct map lookup of httpRequest.Header
// answers what http.Header.Get answers, for canonical and other names.
func TestHeaderLookupMatchesGet(t *testing.T) {
	r, _ := http.NewRequest("GET", "https://example.com/", nil)
	r.Header.Set("Authorization", "Bearer x")
	r.Header.Set("x-forwarded-host", "a.example")
	r.Header["odd-key"] = []string{"raw"} // stored without canonicalization
	r.Header["Empty"] = []string{}
	req := httpRequest{r}
	for _, name := range []string{"Authorization", "authorization", "AUTHORIZATION", "X-Forwarded-Host",
		"x-forwarded-host", "Origin", "odd-key", "Odd-Key", "Empty", "", "-", "A-", "X_Y", "bad key", "Ünicode"} {
		if got, want := req.Header(name), r.Header.Get(name); got != want {
			t.Errorf("Header(%q) = %q, Header.Get says %q", name, got, want)
		}
	}
}

func FuzzIsCanonicalHeaderKey(f *testing.F) {
	for _, s := range []string{"Authorization", "x-forwarded-host", "Sec-Fetch-Dest", "A-1b", "a b", "-a", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		if isCanonicalHeaderKey(name) && textproto.CanonicalMIMEHeaderKey(name) != name {
			t.Fatalf("%q is reported canonical but canonicalizes to %q", name, textproto.CanonicalMIMEHeaderKey(name))
		}
	})
}
