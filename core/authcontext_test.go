package clerk

import (
	"encoding/base64"
	"encoding/json"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Tests of the request context (spec §1.3, §1.4): Authorization and Cookie
// parsing, the Clerk URL, and the suffixed-cookie selection.

func TestParseAuthorization(t *testing.T) {
	t.Parallel()
	// Spec §1.4 [exec] examples: JavaScript's split(" ", 2).
	tests := map[string]string{
		"Bearer abc":       "abc",
		"bearer abc":       "",
		"Basic dXNlcjpwYQ": "",
		"abc":              "abc",
		"Bearer":           "Bearer",
		"Bearer  abc":      "Bearer",
		"Bearer a b":       "a",
		"Token abc":        "",
		"":                 "",
		" abc":             "", // first piece empty, second "abc", scheme "" is not Bearer
		"Bearer ":          "Bearer",
	}
	for in, want := range tests {
		if got := parseAuthorization(in); got != want {
			t.Errorf("parseAuthorization(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestParseCookies(t *testing.T) {
	t.Parallel()
	n := newCookieNames("pk_test_Y2xlcmsuY2xlcmsuZGV2JA") // suffix QvfNY2dr
	tests := []struct {
		name, header string
		check        func(requestCookies) bool
	}{
		{"first occurrence wins", "__session=a; __session=b", func(c requestCookies) bool { return c.session == "a" }},
		{"first occurrence wins even when empty", "__client_uat=; __client_uat=5", func(c requestCookies) bool { return c.uat == "" }},
		{"values are percent-decoded", "__session=a%2Eb%20c", func(c requestCookies) bool { return c.session == "a.b c" }},
		{"a malformed escape keeps the raw value", "__session=a%zzb", func(c requestCookies) bool { return c.session == "a%zzb" }},
		{"an escape to invalid UTF-8 keeps the raw value", "__session=%FF", func(c requestCookies) bool { return c.session == "%FF" }},
		{"an encoded ; stays inside the value", "__session=a%3B__client_uat%3D5", func(c requestCookies) bool { return c.session == "a;__client_uat=5" && c.uat == "" }},
		{"spaces and tabs around names and values are trimmed", " \t__session \t= \tv\t ;__client_uat=1", func(c requestCookies) bool { return c.session == "v" && c.uat == "1" }},
		{"a pair without = is skipped", "junk; __session=v", func(c requestCookies) bool { return c.session == "v" }},
		{"+ is not a space", "__session=a+b", func(c requestCookies) bool { return c.session == "a+b" }},
		{"the value keeps further =", "__session=a=b=c", func(c requestCookies) bool { return c.session == "a=b=c" }},
		{"suffixed names", "__session_QvfNY2dr=s; __client_uat_QvfNY2dr=2; __refresh_QvfNY2dr=r; __clerk_db_jwt_QvfNY2dr=d",
			func(c requestCookies) bool {
				return c.sessionSfx == "s" && c.uatSfx == "2" && c.refreshSfx == "r" && c.devBrowserSfx == "d"
			}},
		{"another suffix is not ours", "__session_XXXXXXXX=s", func(c requestCookies) bool { return c.sessionSfx == "" && c.session == "" }},
		{"names are case-sensitive", "__Session=s", func(c requestCookies) bool { return c.session == "" }},
		{"handshake cookies", "__clerk_handshake=h; __clerk_handshake_nonce=n; __clerk_redirect_count=2",
			func(c requestCookies) bool { return c.handshake == "h" && c.nonce == "n" && c.redirectCount == "2" }},
		{"a one-character header is ignored", "a", func(c requestCookies) bool { return c == requestCookies{} }},
	}
	for _, tc := range tests {
		if got := parseCookies(tc.header, &n); !tc.check(got) {
			t.Errorf("%s: parseCookies(%q) = %+v", tc.name, tc.header, got)
		}
	}
}

// TestParseCookiesCap: a cookie bomb is parsed up to 32 KiB, cut at a ";"
// so that no value is truncated.
func TestParseCookiesCap(t *testing.T) {
	t.Parallel()
	filler := strings.Repeat("junk=xxxxxxxxxxxxxxxx; ", maxCookieHeader/22+10)
	if got := parseCookies("__session=early; "+filler+"__client_uat=late", nil); got.session != "early" || got.uat != "" {
		t.Errorf("before/after the cap: %+v", got)
	}
	// A value straddling the cap is dropped whole, not cut.
	pre := strings.Repeat("j=x; ", (maxCookieHeader-10)/5)
	h := pre + "__session=" + strings.Repeat("v", 100)
	if got := parseCookies(h, nil); got.session != "" {
		t.Errorf("straddling value read as %d bytes", len(got.session))
	}
	// Within the cap it is read whole.
	if got := parseCookies(pre[:len(pre)-200]+"__session="+strings.Repeat("v", 100), nil); len(got.session) != 100 {
		t.Errorf("value within the cap: %d bytes", len(got.session))
	}
	// No ";" in the first 32 KiB at all: nothing is parsed.
	if got := parseCookies("__session="+strings.Repeat("v", maxCookieHeader+1), nil); got.session != "" {
		t.Error("an over-long single cookie was parsed")
	}
}

func TestClerkURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, target string
		headers      map[string]string
		want         string
	}{
		{"the request URL", "http://app.example.com/p?q=1", nil, "http://app.example.com/p?q=1"},
		{"X-Forwarded-Host and -Proto", "http://internal:8080/p?q=1", map[string]string{"X-Forwarded-Host": "shop.example.com", "X-Forwarded-Proto": "https"}, "https://shop.example.com/p?q=1"},
		{"the first of several forwarded values", "http://internal/p", map[string]string{"X-Forwarded-Host": "a.example.com, b.example.com", "X-Forwarded-Proto": "https,http"}, "https://a.example.com/p"},
		{"forwarded host alone keeps the scheme", "http://internal/p", map[string]string{"X-Forwarded-Host": "a.example.com"}, "http://a.example.com/p"},
		{"forwarded proto alone keeps the host", "http://internal/p", map[string]string{"X-Forwarded-Proto": "https"}, "https://internal/p"},
		{"scheme and host are case-insensitive", "http://internal/p", map[string]string{"X-Forwarded-Host": "Shop.Example.COM:8443", "X-Forwarded-Proto": "HTTPS"}, "https://shop.example.com:8443/p"},
		{"IPv6 host", "http://internal/p", map[string]string{"X-Forwarded-Host": "[::1]:3000"}, "http://[::1]:3000/p"},
		{"duplicate leading slashes are kept", "http://app.example.com//p", nil, "http://app.example.com//p"},
		{"hostile: a path in the host is ignored", "http://app.example.com/p", map[string]string{"X-Forwarded-Host": "evil.com/path"}, "http://app.example.com/p"},
		{"hostile: credentials are ignored", "http://app.example.com/p", map[string]string{"X-Forwarded-Host": "user@evil.com"}, "http://app.example.com/p"},
		{"hostile: CR LF is ignored", "http://app.example.com/p", map[string]string{"X-Forwarded-Host": "evil.com\r\nSet-Cookie: x=1"}, "http://app.example.com/p"},
		{"hostile: a script scheme is ignored", "http://app.example.com/p", map[string]string{"X-Forwarded-Proto": "javascript"}, "http://app.example.com/p"},
		{"hostile: a huge host is ignored", "http://app.example.com/p", map[string]string{"X-Forwarded-Host": strings.Repeat("a", 1<<16) + ".com"}, "http://app.example.com/p"},
		{"hostile: a bad port is ignored", "http://app.example.com/p", map[string]string{"X-Forwarded-Host": "evil.com:99999"}, "http://app.example.com/p"},
		{"hostile: a query in the host is ignored", "http://app.example.com/p", map[string]string{"X-Forwarded-Host": "evil.com?x"}, "http://app.example.com/p"},
	}
	for _, tc := range tests {
		r := httptest.NewRequest("GET", tc.target, nil)
		for k, v := range tc.headers {
			r.Header[http.CanonicalHeaderKey(k)] = []string{v}
		}
		u := clerkURL(NewRequest(r))
		if got := serializeURL(u); got != tc.want {
			t.Errorf("%s: clerkURL = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// hostileURLRequest is a custom Request whose URL comes from elsewhere than
// net/http, which would have refused it.
type hostileURLRequest struct{ u *url.URL }

func (h hostileURLRequest) Method() string       { return "GET" }
func (h hostileURLRequest) URL() *url.URL        { return h.u }
func (h hostileURLRequest) Header(string) string { return "" }
func (h hostileURLRequest) Headers() http.Header { return nil }

// TestClerkURLCustomRequest: a custom Request's own scheme and host are
// held to the rule forwarded headers are: a hostile host is dropped, never
// carried into a redirect.
func TestClerkURLCustomRequest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		u    url.URL
		want string
	}{
		{"plain", url.URL{Scheme: "https", Host: "app.example.com", Path: "/p"}, "https://app.example.com/p"},
		{"a path in the host", url.URL{Scheme: "https", Host: "evil.example/x", Path: "/p"}, "https:///p"},
		{"protocol-relative host", url.URL{Scheme: "https", Host: "//evil.example", Path: "/p"}, "https:///p"},
		{"CR LF in the host", url.URL{Scheme: "http", Host: "a.example\r\nSet-Cookie: x=1", Path: "/p"}, "http:///p"},
		{"credentials in the host", url.URL{Scheme: "http", Host: "user@evil.example", Path: "/p"}, "http:///p"},
		{"a script scheme", url.URL{Scheme: "javascript", Host: "app.example.com", Path: "/p"}, "http://app.example.com/p"},
	} {
		if got := serializeURL(clerkURL(hostileURLRequest{&tc.u})); got != tc.want {
			t.Errorf("%s: clerkURL = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// unsignedJWT is a decodable token with the given payload (the selection
// rules never verify).
func unsignedJWT(payload map[string]any) string {
	p, _ := json.Marshal(payload)
	e := base64.RawURLEncoding.EncodeToString
	return e([]byte(`{"alg":"RS256","typ":"JWT"}`)) + "." + e(p) + ".c2ln"
}

// TestUsesSuffixedCookies is spec §1.4's eight rules, with the spec's
// cookie-suffix vectors.
func TestUsesSuffixedCookies(t *testing.T) {
	t.Parallel()
	now := time.Unix(1_760_000_000, 0)
	type inst struct {
		pk, fapi, sfx string
		prod          bool
	}
	insts := []inst{
		{"pk_live_Y2xlcmsuY2xlcmsuZGV2JA", "clerk.clerk.dev", "1Z8AzTQD", true},
		{"pk_test_Y2xlcmsuY2xlcmsuZGV2JA", "clerk.clerk.dev", "QvfNY2dr", false},
		{"pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "clerk.inspired.puma-74.lcl.dev", "MqCvchyS", true},
		{"pk_test_ZW5vdWdoLWFscGFjYS04Mi5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k", "enough-alpaca-82.clerk.accounts.lclclerk.com", "jtYvyt_H", false},
	}
	for _, in := range insts {
		if got := CookieSuffix(in.pk); got != in.sfx {
			t.Fatalf("CookieSuffix(%s) = %q, want %q", in.pk, got, in.sfx)
		}
		tok := func(extra map[string]any) string {
			p := map[string]any{"iss": "https://" + in.fapi, "iat": now.Unix(), "exp": now.Unix() + 60, "sub": "user_1"}
			for k, v := range extra {
				if v == nil {
					delete(p, k)
				} else {
					p[k] = v
				}
			}
			return unsignedJWT(p)
		}
		s := func(n string) string { return n + "_" + in.sfx }
		older := tok(map[string]any{"iat": now.Unix() - 100})
		expired := tok(map[string]any{"iat": now.Unix() - 7200, "exp": now.Unix() - 3600})
		tests := []struct {
			name    string
			cookies map[string]string
			want    bool
		}{
			{"rule 1: __session without iss: un-suffixed", map[string]string{"__session": tok(map[string]any{"iss": nil}), s("__session"): tok(nil), s("__client_uat"): "1"}, false},
			{"rule 1: __session with an empty iss (falsy): un-suffixed", map[string]string{"__session": tok(map[string]any{"iss": ""}), s("__session"): tok(nil), s("__client_uat"): "1"}, false},
			{"rule 1: __session not decodable: un-suffixed", map[string]string{"__session": "garbage", s("__session"): tok(nil), s("__client_uat"): "1"}, false},
			{"rule 2: __session of another instance: suffixed", map[string]string{"__session": tok(map[string]any{"iss": "https://clerk.other.dev"}), s("__session"): tok(nil)}, true},
			{"rule 2: a non-string iss is not ours: suffixed", map[string]string{"__session": tok(map[string]any{"iss": 5})}, true},
			{"rule 2: http:// and https:// are stripped anywhere, case-insensitively", map[string]string{"__session": tok(map[string]any{"iss": "HTTPS://" + in.fapi})}, false},
			{"rule 3: no suffixed client_uat and no suffixed session: un-suffixed", map[string]string{"__session": tok(nil), "__client_uat": "1"}, false},
			{"rule 3: an empty suffixed client_uat counts as absent", map[string]string{s("__client_uat"): "", "__client_uat": "1"}, false},
			{"rule 4: the un-suffixed session is newer: un-suffixed", map[string]string{"__session": tok(nil), s("__session"): older, "__client_uat": "1", s("__client_uat"): "1"}, false},
			{"rule 5: suffixed client_uat 0, un-suffixed not: un-suffixed", map[string]string{s("__client_uat"): "0", "__client_uat": "1", s("__session"): tok(nil)}, false},
			{"rule 6: un-suffixed client_uat 0 and the suffixed session expired (not production): un-suffixed", map[string]string{s("__client_uat"): "1", "__client_uat": "0", s("__session"): expired}, in.prod},
			{"rule 7: suffixed session without suffixed client_uat: un-suffixed", map[string]string{s("__session"): tok(nil), "__client_uat": "1"}, false},
			{"rule 8: otherwise suffixed", map[string]string{s("__session"): tok(nil), s("__client_uat"): "1"}, true},
			{"rule 8: the suffixed session is newer", map[string]string{"__session": older, s("__session"): tok(nil), "__client_uat": "1", s("__client_uat"): "1"}, true},
			{"rule 8: both client_uat 0", map[string]string{s("__client_uat"): "0", "__client_uat": "0"}, true},
		}
		opts := Options{PublishableKey: in.pk, SecretKey: "sk_test_x", Clock: func() time.Time { return now }}
		if in.prod {
			opts.SecretKey = "sk_live_x"
		}
		c, err := New(opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, tc := range tests {
			r := httptest.NewRequest("GET", "https://app.example.com/", nil)
			var parts []string
			for k, v := range tc.cookies {
				parts = append(parts, k+"="+v)
			}
			r.Header.Set("Cookie", strings.Join(parts, "; "))
			ac := c.newAuthContext(NewRequest(r), TokenAcceptance{single: SessionToken})
			if ac.usesSuffixedCookies != tc.want {
				t.Errorf("%s (%s): usesSuffixedCookies = %v, want %v", tc.name, in.pk[:12], ac.usesSuffixedCookies, tc.want)
			}
			wantSession := tc.cookies["__session"]
			if tc.want {
				wantSession = tc.cookies[s("__session")]
			}
			if ac.sessionTokenInCookie != wantSession {
				t.Errorf("%s (%s): the chosen session is not the %v one", tc.name, in.pk[:12], tc.want)
			}
		}
	}
}

// TestAuthContextValues: the values read besides the session (spec §1.4).
func TestAuthContextValues(t *testing.T) {
	t.Parallel()
	c, err := New(Options{PublishableKey: "pk_test_Y2xlcmsuY2xlcmsuZGV2JA", SecretKey: "sk_test_x"})
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("GET", "https://app.example.com/?__clerk_db_jwt=q&__clerk_handshake=qh&__clerk_handshake_nonce=qn", nil)
	r.Header.Set("Cookie", "__clerk_db_jwt=c; __clerk_handshake=ch; __clerk_handshake_nonce=cn; __refresh=plain; __clerk_redirect_count= 2 ; __client_uat=0x1F")
	r.Header.Set("Authorization", "Bearer tok")
	ac := c.newAuthContext(NewRequest(r), TokenAcceptance{single: SessionToken})
	if ac.devBrowserToken != "q" || ac.handshakeToken != "qh" || ac.handshakeNonce != "qn" {
		t.Errorf("query values must win: %q %q %q", ac.devBrowserToken, ac.handshakeToken, ac.handshakeNonce)
	}
	if ac.refreshTokenInCookie != "" {
		t.Error("the un-suffixed __refresh cookie was read")
	}
	if ac.redirectCount != 2 || ac.clientUat != 31 {
		t.Errorf("redirectCount %v, clientUat %v", ac.redirectCount, ac.clientUat)
	}
	if ac.tokenInHeader != "tok" || ac.sessionToken() != "tok" {
		t.Errorf("header token %q, session token %q", ac.tokenInHeader, ac.sessionToken())
	}
	r.URL.RawQuery = ""
	ac = c.newAuthContext(NewRequest(r), TokenAcceptance{single: SessionToken})
	if ac.devBrowserToken != "c" || ac.handshakeToken != "ch" || ac.handshakeNonce != "cn" {
		t.Errorf("cookie values: %q %q %q", ac.devBrowserToken, ac.handshakeToken, ac.handshakeNonce)
	}
	// A single machine type reads the header only.
	ac = c.newAuthContext(NewRequest(r), TokenAcceptance{single: APIKey})
	if ac.clerkURL != nil || ac.cookies != (requestCookies{}) || ac.tokenInHeader != "tok" {
		t.Errorf("machine-only context read more than the header: %+v", ac)
	}
}

func TestJSNumbers(t *testing.T) {
	t.Parallel()
	// Number(v) || 0 (the redirect counter).
	for in, want := range map[string]float64{
		"": 0, " 2 ": 2, "3.0": 3, "0x3": 3, "0X1f": 31, "0b11": 3, "0o17": 15, "1e1": 10, "1.5": 1.5, ".5": 0.5, "5.": 5,
		"-1": -1, "+4": 4, "abc": 0, "1a": 0, "0x": 0, "Infinity": math.Inf(1), "-Infinity": math.Inf(-1), "infinity": 0,
		"1_000": 0, "-0": 0, "\t\n7\u00a0": 7, "0x-1": 0, "--1": 0, "1e": 0,
	} {
		if got := jsNumberOr0(in); got != want {
			t.Errorf("jsNumberOr0(%q) = %v, want %v", in, got, want)
		}
	}
	// parseInt(v) || 0 (client_uat).
	for in, want := range map[string]int64{
		"": 0, "123": 123, " 42abc": 42, "-5": -5, "+7": 7, "0x10": 16, "0x": 0, "1.9": 1, "abc": 0, "1e3": 1,
		"99999999999999999999": math.MaxInt64, "-0": 0, "0b1": 0,
	} {
		if got := jsParseInt(in); got != want {
			t.Errorf("jsParseInt(%q) = %v, want %v", in, got, want)
		}
	}
	for f, want := range map[float64]string{1: "1", 2.5: "2.5", 1e21: "1e+21", math.Inf(1): "Infinity", 0: "0", -1: "-1"} {
		if got := counterString(f); got != want {
			t.Errorf("counterString(%v) = %q, want %q", f, got, want)
		}
	}
	if _, err := strconv.ParseFloat("1", 64); err != nil {
		t.Fatal(err)
	}
}
