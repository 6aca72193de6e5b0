package clerk

import (
	"encoding/base64"
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
			if n := testing.AllocsPerRun(100, func() { c.usesSuffixedCookies(rc) }); n != 0 {
				t.Errorf("%s: usesSuffixedCookies with cached cookies: %v allocations, want 0", fapi, n)
			}
		}
	}
}
