package clerk

import (
	"net/http"
	"net/textproto"
	"strings"
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

// A query string is parsed up to 32 KiB (whole pairs only): a megabyte of
// "a&a&..." costs the cap, not a hundred times its size.
func TestParseSearchParamsCap(t *testing.T) {
	big := strings.Repeat("a&", 1<<19) + "__clerk_handshake=x"
	q := parseSearchParams(big)
	if len(q) != maxQueryParse/2 || q.get("__clerk_handshake") != "" {
		t.Fatalf("%d pairs parsed, handshake %q", len(q), q.get("__clerk_handshake"))
	}
	if allocs := minAllocs(20, func() { parseSearchParams(big) }); allocs > 1 {
		t.Errorf("%.0f allocations for a 1 MiB query, want 1", allocs)
	}
	if parseSearchParams("") != nil {
		t.Error("an empty query allocates")
	}
	small := parseSearchParams("a=1&b=x+y&c=%41")
	if len(small) != 3 || small.get("b") != "x y" || small.get("c") != "A" {
		t.Errorf("small query: %v", small)
	}
}
