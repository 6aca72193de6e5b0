package clerk

import (
	"encoding/base64"
	"fmt"
	"strings"
	"testing"
	"time"
)

// usesSuffixedCookiesByDecoding is usesSuffixedCookies as it was before the
// verified-token cache was consulted: both cookies decoded, every member
// read from the raw payload. The reference the cached path must agree with.
func (c *Client) usesSuffixedCookiesByDecoding(rc *requestCookies) bool {
	sess, sSess := rc.session, rc.sessionSfx
	sUat, uat := rc.uatSfx, rc.uat
	var sessD *decodedJWT
	if sess != "" {
		d, err := decodeJWT(sess)
		if err != nil || d.claims == nil || !jsTruthy([]byte(payloadMember(d, "iss"))) {
			return false
		}
		if !d.claims.iss.isString || stripScheme(d.claims.iss.v) != c.originalFrontendAPI() {
			return true
		}
		sessD = d
	}
	if sUat == "" && sSess == "" {
		return false
	}
	var sSessD *decodedJWT
	if sSess != "" {
		if d, err := decodeJWT(sSess); err == nil && d.claims != nil {
			sSessD = d
		}
	}
	if sUat != "0" && uat != "0" && jsGreater(jsOrZero(payloadMember(sessD, "iat")), jsOrZero(payloadMember(sSessD, "iat"))) {
		return false
	}
	if sUat == "0" && uat != "0" {
		return false
	}
	if c.pk.InstanceType != Production && sUat != "0" && uat == "0" && sSessD != nil {
		now := float64(c.now().Unix())
		if exp, ok := jsToNumber(payloadMember(sSessD, "exp")); ok && exp <= now {
			return false
		}
	}
	if sUat == "" && sSess != "" {
		return false
	}
	return true
}

// rawJWT is an unsigned token with the payload JSON as given, byte for byte.
func rawJWT(payload string) string {
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + e([]byte(payload)) + ".c2ln"
}

// TestUsesSuffixedCookiesFromCache: a cookie token found in the
// verified-token cache gives usesSuffixedCookies the same answer as decoding
// it, for every shape of iss, iat and exp JavaScript compares loosely, and
// costs no allocation.
func TestUsesSuffixedCookiesFromCache(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_760_000_000, 0)
	const fapi = "clerk.clerk.dev"
	isses := []string{``, `,"iss":"https://` + fapi + `"`, `,"iss":"HTTPS://` + fapi + `"`, `,"iss":"https://clerk.other.dev"`,
		`,"iss":""`, `,"iss":5`, `,"iss":0`, `,"iss":true`, `,"iss":false`, `,"iss":null`, `,"iss":{}`, `,"iss":[]`,
		`,"iss":"x","iss":"https://` + fapi + `"`}
	nums := []string{``, `,"%s":1760000000`, `,"%s":1759999000`, `,"%s":1760000100`, `,"%s":0`, `,"%s":-0`, `,"%s":-5`,
		`,"%s":1e400`, `,"%s":-1e400`, `,"%s":1e-400`, `,"%s":1.5e9`, `,"%s":"1760000000"`, `,"%s":"abc"`, `,"%s":""`,
		`,"%s":"0x10"`, `,"%s":null`, `,"%s":true`, `,"%s":false`, `,"%s":[]`, `,"%s":{}`, `,"%s":"\u0031"`}
	member := func(f, name string) string {
		if f == "" {
			return ""
		}
		return `,"` + name + `"` + f[len(`,"%s"`):]
	}
	const okIss = `,"iss":"https://` + fapi + `"`
	var sess, sfx []string
	sess = append(sess, "", "garbage", rawJWT(`null`), rawJWT(`[1]`))
	for _, iss := range isses {
		sess = append(sess, rawJWT(`{"sub":"u"`+iss+`,"iat":1760000000}`))
	}
	for _, n := range nums {
		sess = append(sess, rawJWT(`{"sub":"u"`+okIss+member(n, "iat")+`}`))
	}
	sfx = append(sfx, "", "garbage", rawJWT(`null`), rawJWT(`"s"`))
	for _, n := range nums {
		sfx = append(sfx, rawJWT(`{"sub":"u"`+okIss+member(n, "iat")+`,"exp":1760000060}`))
		sfx = append(sfx, rawJWT(`{"sub":"u"`+okIss+`,"iat":1759999000`+member(n, "exp")+`}`))
	}
	uats := []string{"", "0", "1"}
	for _, pk := range []string{"pk_live_Y2xlcmsuY2xlcmsuZGV2JA", "pk_test_Y2xlcmsuY2xlcmsuZGV2JA"} {
		opts := Options{PublishableKey: pk, SecretKey: "sk_test_x", Clock: func() time.Time { return now }}
		if pk[3] == 'l' {
			opts.SecretKey = "sk_live_x"
		}
		c, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		// Cache every token that decodes, as verification would have.
		gen := c.keyGeneration()
		for _, tok := range append(append([]string(nil), sess...), sfx...) {
			if d, err := decodeJWT(tok); err == nil && d.claims != nil {
				c.tokens.put(tok, gen, d.claims, kindOf(tok, d))
			}
		}
		for _, s := range sess {
			for _, ss := range sfx {
				for _, u := range uats {
					for _, su := range uats {
						rc := &requestCookies{session: s, sessionSfx: ss, uat: u, uatSfx: su}
						want := c.usesSuffixedCookiesByDecoding(rc)
						if got := c.usesSuffixedCookies(rc); got != want {
							t.Fatalf("%s: cached: usesSuffixedCookies = %v, decoding says %v\n__session %s\nsuffixed %s\nuat %q suffixed uat %q",
								pk[:8], got, want, s, ss, u, su)
						}
					}
				}
			}
		}
		// The same without the cache: the decoding path of usesSuffixedCookies.
		c.tokens = nil
		for _, s := range sess {
			for _, ss := range sfx {
				rc := &requestCookies{session: s, sessionSfx: ss, uat: "1", uatSfx: "1"}
				if got, want := c.usesSuffixedCookies(rc), c.usesSuffixedCookiesByDecoding(rc); got != want {
					t.Fatalf("%s: uncached: usesSuffixedCookies = %v, decoding says %v\n__session %s\nsuffixed %s", pk[:8], got, want, s, ss)
				}
			}
		}
	}
}

// TestUsesSuffixedCookiesCachedAllocs: a browser request whose session
// cookie is in the verified-token cache decodes nothing.
func TestUsesSuffixedCookiesCachedAllocs(t *testing.T) {
	// A short Frontend API host and one past 32 bytes (the size up to which
	// a string built on the way could stay on the stack).
	for _, fapi := range []string{"clerk.clerk.dev", "clerk.a-rather-long-company-name.example.com"} {
		c, err := New(Options{PublishableKey: "pk_test_" + base64.RawStdEncoding.EncodeToString([]byte(fapi+"$")), SecretKey: "sk_test_x"})
		if err != nil {
			t.Fatal(err)
		}
		tok := rawJWT(`{"sub":"u","iss":"https://` + fapi + `","iat":1760000000,"exp":1760000060}`)
		d, err := decodeJWT(tok)
		if err != nil {
			t.Fatal(err)
		}
		c.tokens.put(tok, c.keyGeneration(), d.claims, kindOf(tok, d))
		for _, rc := range []*requestCookies{
			{session: tok, uat: "1760000000"},
			{session: tok, sessionSfx: tok, uat: "1760000000", uatSfx: "1760000000"},
		} {
			if got, want := c.usesSuffixedCookies(rc), rc.sessionSfx != ""; got != want {
				t.Fatalf("%s: usesSuffixedCookies = %v, want %v", fapi, got, want)
			}
			if n := minAllocs(100, func() { c.usesSuffixedCookies(rc) }); n != 0 {
				t.Errorf("%s: usesSuffixedCookies with cached cookies: %v allocations, want 0", fapi, n)
			}
		}
	}
}

// TokenCacheLen is the number of entries of c's verified-token cache and
// the bytes it counts, for the external tests (nil cache: 0, 0).
func TokenCacheLen(c *Client) (int, int64) {
	t := c.tokens
	if t == nil {
		return 0, 0
	}
	t.mu.RLock()
	defer t.mu.RUnlock()
	return len(t.m), t.bytes
}

// checkTokenCache fails t unless the cache is within its bounds and its
// byte count is the sum of its entries' sizes.
func checkTokenCache(t *testing.T, tc *tokenCache) {
	t.Helper()
	var sum int64
	for tok, e := range tc.m {
		if want := int64(len(tok)+len(e.claims.raw)) + 512; e.size != want {
			t.Fatalf("entry size %d, want %d", e.size, want)
		}
		sum += e.size
	}
	if tc.bytes != sum {
		t.Fatalf("the cache counts %d bytes, its entries hold %d", tc.bytes, sum)
	}
	if len(tc.m) > tc.maxEntries {
		t.Fatalf("%d entries, bound %d", len(tc.m), tc.maxEntries)
	}
	if tc.bytes > tc.maxBytes {
		t.Fatalf("%d bytes, bound %d", tc.bytes, tc.maxBytes)
	}
}

// cacheToken is a distinct token of n bytes and claims with a payload of
// n bytes: an entry of 2n+512 bytes.
func cacheToken(i, n int) (string, *SessionClaims) {
	tok := fmt.Sprintf("tok%08d.", i)
	tok += strings.Repeat("x", n-len(tok))
	return tok, &SessionClaims{raw: make([]byte, n)}
}

// TestTokenCacheEntryBound: the cache never holds more than its entry
// bound, keeps exactly that many once full (eviction makes room for one,
// no more), and always holds the token just stored.
func TestTokenCacheEntryBound(t *testing.T) {
	t.Parallel()
	tc := newTokenCache(8, 0)
	if tc.maxEntries != 8 || tc.maxBytes != DefaultTokenCacheBytes {
		t.Fatalf("bounds %d entries, %d bytes", tc.maxEntries, tc.maxBytes)
	}
	var toks []string
	for i := range 100 {
		tok, claims := cacheToken(i, 100)
		toks = append(toks, tok)
		tc.put(tok, 0, claims, tokenKind{})
		checkTokenCache(t, tc)
		if want := min(i+1, 8); len(tc.m) != want {
			t.Fatalf("after %d puts: %d entries, want %d", i+1, len(tc.m), want)
		}
		if tc.get(tok, 0) == nil {
			t.Fatalf("the token just stored is not in the cache")
		}
	}
	// Storing tokens the full cache already holds (requests verifying the
	// same new token concurrently) replaces them and keeps the count right.
	for range 50 {
		for tok, e := range tc.m {
			tc.put(tok, 0, e.claims, e.kind)
			checkTokenCache(t, tc)
			if len(tc.m) != 8 || tc.get(tok, 0) == nil {
				t.Fatalf("after storing a cached token again: %d entries, stored one present %v", len(tc.m), tc.get(tok, 0) != nil)
			}
			break
		}
	}
	// The same with a single entry: the entry to replace is the only one.
	one := newTokenCache(1, 0)
	tok, claims := cacheToken(0, 100)
	for range 3 {
		one.put(tok, 0, claims, tokenKind{})
		checkTokenCache(t, one)
		if len(one.m) != 1 {
			t.Fatalf("a single-entry cache storing its token again: %d entries", len(one.m))
		}
	}
	// Removal keeps the count right too.
	for _, tok := range toks {
		tc.remove(tok)
		checkTokenCache(t, tc)
	}
	if len(tc.m) != 0 || tc.bytes != 0 {
		t.Fatalf("after removing every token: %d entries, %d bytes", len(tc.m), tc.bytes)
	}
}

// TestTokenCacheByteBound: with room for many entries but few bytes, the
// byte bound decides: never past it, as many entries as fit, and an entry
// larger than the whole bound is not stored (nor does it flush the others).
func TestTokenCacheByteBound(t *testing.T) {
	t.Parallel()
	const entry = 2*1000 + 512
	tc := newTokenCache(1000, 5*entry+entry/2)
	for i := range 200 {
		tok, claims := cacheToken(i, 1000)
		tc.put(tok, 0, claims, tokenKind{})
		checkTokenCache(t, tc)
		if want := min(i+1, 5); len(tc.m) != want {
			t.Fatalf("after %d puts: %d entries, want %d", i+1, len(tc.m), want)
		}
		if tc.get(tok, 0) == nil {
			t.Fatalf("the token just stored is not in the cache")
		}
	}
	// Entries of mixed sizes.
	for i := range 200 {
		tok, claims := cacheToken(1000+i, 200+(i*397)%1500)
		tc.put(tok, 0, claims, tokenKind{})
		checkTokenCache(t, tc)
		if tc.get(tok, 0) == nil {
			t.Fatalf("the token just stored is not in the cache")
		}
	}
	before := len(tc.m)
	huge, claims := cacheToken(9999, 4*entry)
	tc.put(huge, 0, claims, tokenKind{})
	checkTokenCache(t, tc)
	if tc.get(huge, 0) != nil || len(tc.m) != before {
		t.Fatalf("an entry larger than the byte bound: stored %v, %d entries left of %d", tc.get(huge, 0) != nil, len(tc.m), before)
	}
}

// TestTokenCacheOptions: TokenCacheEntries and TokenCacheBytes reach the
// cache; zero means the defaults, a negative entry count no cache.
func TestTokenCacheOptions(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		entries  int
		bytes    int64
		wantNil  bool
		wantEnt  int
		wantByte int64
	}{
		{0, 0, false, DefaultTokenCacheEntries, DefaultTokenCacheBytes},
		{8, 4096, false, 8, 4096},
		{8, -1, false, 8, DefaultTokenCacheBytes},
		{-1, 4096, true, 0, 0},
	} {
		c, err := New(Options{PublishableKey: "pk_test_Y2xlcmsuY2xlcmsuZGV2JA", SecretKey: "sk_test_x",
			TokenCacheEntries: tc.entries, TokenCacheBytes: tc.bytes})
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case tc.wantNil:
			if c.tokens != nil {
				t.Errorf("TokenCacheEntries %d: a cache was built", tc.entries)
			}
		case c.tokens == nil:
			t.Errorf("TokenCacheEntries %d: no cache", tc.entries)
		case c.tokens.maxEntries != tc.wantEnt || c.tokens.maxBytes != tc.wantByte:
			t.Errorf("options %d entries, %d bytes: cache bounds %d, %d; want %d, %d", tc.entries, tc.bytes,
				c.tokens.maxEntries, c.tokens.maxBytes, tc.wantEnt, tc.wantByte)
		}
	}
}

// A verification that finishes after a key rotation (it used the old key
// set) neither enters the cache nor drops what the new key set verified.
func TestTokenCacheLateOldGeneration(t *testing.T) {
	t.Parallel()
	tc := newTokenCache(8, 0)
	newTok, newClaims := cacheToken(1, 100)
	oldTok, oldClaims := cacheToken(2, 100)
	tc.put(newTok, 2, newClaims, tokenKind{})
	tc.put(oldTok, 1, oldClaims, tokenKind{})
	checkTokenCache(t, tc)
	if tc.get(newTok, 2) == nil {
		t.Error("a late put of the old generation dropped the new generation's entry")
	}
	if tc.get(oldTok, 1) != nil || tc.get(oldTok, 2) != nil || len(tc.m) != 1 {
		t.Errorf("the old generation's token was cached (%d entries)", len(tc.m))
	}
}
