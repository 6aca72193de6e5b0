package clerk

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"strings"
	"testing"
	"time"
)

func seg(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestDecodeJWTForm(t *testing.T) {
	t.Parallel()
	good := seg(`{"alg":"RS256","kid":"k"}`) + "." + seg(`{"sub":"user_1"}`) + "." + seg("sig")
	tests := []struct {
		name  string
		token string
		want  *TokenError // nil: decodes
	}{
		{"valid", good, nil},
		{"empty", "", errJWTForm},
		{"one part", "abc", errJWTForm},
		{"two parts", "a.b", errJWTForm},
		{"four parts", good + ".x", errJWTForm},
		{"padding accepted", seg(`{"alg":"RS256"}`) + "==." + seg(`{}`) + "." + seg("s"), nil},
		{"standard alphabet rejected", seg(`{"alg":"RS256"}`) + "." + seg(`{}`) + ".ab+/", errJWTDecode},
		{"newline inside segment rejected", seg(`{"alg":"RS256"}`) + "\n." + seg(`{}`) + "." + seg("s"), errJWTDecode},
		{"dangling bits rejected", seg(`{}`) + "." + seg(`{}`) + ".A", errJWTDecode},
		{"header not JSON", seg("nope") + "." + seg(`{}`) + "." + seg("s"), errJWTDecode},
		{"payload not JSON", seg(`{}`) + "." + seg("{") + "." + seg("s"), errJWTDecode},
		{"payload scalar decodes", seg(`{}`) + "." + seg("5") + "." + seg("s"), nil},
		{"header array decodes", seg(`[1]`) + "." + seg("{}") + "." + seg("s"), nil},
		{"oversized", strings.Repeat("a", MaxTokenSize) + ".b.c", errJWTTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d, err := decodeJWT(tt.token)
			if tt.want == nil {
				if err != nil {
					t.Fatalf("decodeJWT: %v", err)
				}
				if string(d.signed) != tt.token[:strings.LastIndexByte(tt.token, '.')] {
					t.Errorf("signing input %q", d.signed)
				}
				return
			}
			if err != tt.want {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

func TestDecodeJWTHeaderFields(t *testing.T) {
	t.Parallel()
	tok := seg(`{"alg":"RS256","kid":"ins_1","typ":"JWT","cat":"cl_B7d4PD222AAA","jku":"https://evil"}`) + "." + seg(`{"sub":"u"}`) + "." + seg("s")
	d, err := decodeJWT(tok)
	if err != nil {
		t.Fatal(err)
	}
	h := d.header
	if h.Alg.v != "RS256" || h.Kid.v != "ins_1" || h.Typ.v != "JWT" || !h.isNonSessionCategory() {
		t.Errorf("header = %+v", h)
	}
	d, _ = decodeJWT(seg(`null`) + "." + seg(`{}`) + "." + seg("s"))
	if !d.header.null {
		t.Error("null header not flagged")
	}
	d, _ = decodeJWT(seg(`{"cat":"cl_I7d4PD111III"}`) + "." + seg(`{}`) + "." + seg("s"))
	if d.header.isNonSessionCategory() {
		t.Error("ignore category must count as session")
	}
}

func TestCheckHeader(t *testing.T) {
	t.Parallel()
	tests := []struct {
		header string
		reason Reason // "" accepted
		msg    string
	}{
		{`{"alg":"RS256"}`, "", ""},
		{`{"alg":"RS512","typ":"JWT"}`, "", ""},
		{`{"alg":"none"}`, ReasonTokenInvalidAlgorithm, `Invalid JWT algorithm "none". Supported: RS256,RS384,RS512.`},
		{`{"alg":"HS256"}`, ReasonTokenInvalidAlgorithm, `Invalid JWT algorithm "HS256". Supported: RS256,RS384,RS512.`},
		{`{"alg":"ES256"}`, ReasonTokenInvalidAlgorithm, ""},
		{`{"alg":"rs256"}`, ReasonTokenInvalidAlgorithm, ""},
		{`{}`, ReasonTokenInvalidAlgorithm, `Invalid JWT algorithm undefined. Supported: RS256,RS384,RS512.`},
		{`{"alg":"RS256","typ":"at+jwt"}`, ReasonTokenInvalid, `Invalid JWT type "at+jwt". Expected "JWT".`},
		{`{"alg":"RS256","typ":"jwt"}`, ReasonTokenInvalid, ""},
		{`{"alg":"RS256","crit":["exp"]}`, ReasonTokenInvalid, ""},
		// Names are case-sensitive and the last repeat wins, as in JSON.parse.
		{`{"alg":"none","ALG":"RS256"}`, ReasonTokenInvalidAlgorithm, `Invalid JWT algorithm "none". Supported: RS256,RS384,RS512.`},
		{`{"alg":"RS256","Alg":"none","TYP":"at+jwt"}`, "", ""},
		{`{"alg":"RS256","alg":"HS256"}`, ReasonTokenInvalidAlgorithm, `Invalid JWT algorithm "HS256". Supported: RS256,RS384,RS512.`},
	}
	for _, tt := range tests {
		var h jwtHeader
		if err := decodeHeader([]byte(tt.header), &h); err != nil {
			t.Fatalf("%s: %v", tt.header, err)
		}
		err := checkHeader(&h, nil)
		if tt.reason == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tt.header, err)
			}
			continue
		}
		var te *TokenError
		if !errors.As(err, &te) || te.Reason != tt.reason {
			t.Errorf("%s: err = %v, want reason %s", tt.header, err, tt.reason)
			continue
		}
		if tt.msg != "" && te.Message != tt.msg {
			t.Errorf("%s: message %q, want %q", tt.header, te.Message, tt.msg)
		}
	}
}

func TestParsePEMKey(t *testing.T) {
	t.Parallel()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	spki, _ := x509.MarshalPKIXPublicKey(&priv.PublicKey)
	spkiPEM := string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: spki}))
	pkcs1PEM := string(pem.EncodeToMemory(&pem.Block{Type: "RSA PUBLIC KEY", Bytes: x509.MarshalPKCS1PublicKey(&priv.PublicKey)}))
	oneLine := strings.ReplaceAll(spkiPEM, "\n", "")
	escaped := strings.ReplaceAll(spkiPEM, "\n", `\n`)
	bare := base64.StdEncoding.EncodeToString(spki)
	for name, in := range map[string]string{"spki": spkiPEM, "pkcs1": pkcs1PEM, "one line": oneLine, "escaped newlines": escaped, "bare base64": bare} {
		k, err := parsePEMKey(in)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if !k.Equal(&priv.PublicKey) {
			t.Errorf("%s: wrong key", name)
		}
	}
	for name, in := range map[string]string{"garbage": "hello", "private key": string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: []byte("x")}))} {
		if _, err := parsePEMKey(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestOptionsFromLookup(t *testing.T) {
	t.Parallel()
	env := map[string]string{
		"CLERK_SECRET_KEY":                    "sk_test_abc",
		"NEXT_PUBLIC_CLERK_PUBLISHABLE_KEY":   MakePublishableKey("foo.clerk.accounts.dev", false),
		"CLERK_SIGN_IN_URL":                   "/sign-in",
		"NEXT_PUBLIC_CLERK_SIGN_IN_URL":       "/ignored",
		"NEXT_PUBLIC_CLERK_IS_SATELLITE":      "true",
		"NEXT_PUBLIC_CLERK_DOMAIN":            "sat.example.com",
		"CLERK_MACHINE_SECRET_KEY":            "ak_machine",
		"CLERK_JWT_KEY":                       "pem",
		"CLERK_API_VERSION":                   "v1",
		"NEXT_PUBLIC_CLERK_AFTER_SIGN_IN_URL": "/home",
	}
	o, err := optionsFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	if err != nil {
		t.Fatal(err)
	}
	if o.SecretKey != "sk_test_abc" || o.SignInURL != "/sign-in" || !o.IsSatellite || o.Domain != "sat.example.com" ||
		o.MachineSecretKey != "ak_machine" || o.JWTKey != "pem" || o.AfterSignInURL != "/home" || o.APIURL != DefaultAPIURL {
		t.Errorf("options = %+v", o)
	}
	// A secret in a variable Next.js ships to browsers is refused, even
	// when the CLERK_ form is set too.
	for _, name := range []string{"NEXT_PUBLIC_CLERK_SECRET_KEY", "NEXT_PUBLIC_CLERK_MACHINE_SECRET_KEY"} {
		env[name] = "sk_test_leaked"
		_, err := optionsFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
		var ce *ConfigError
		if !errors.As(err, &ce) || ce.Field != name || strings.Contains(err.Error(), "sk_test_leaked") {
			t.Errorf("%s set: err = %v, want a ConfigError naming it (without the value)", name, err)
		}
		delete(env, name)
	}
	env["CLERK_IS_SATELLITE"] = "yes please"
	_, err = optionsFromLookup(func(k string) (string, bool) { v, ok := env[k]; return v, ok })
	var ce *ConfigError
	if !errors.As(err, &ce) || ce.Field != "CLERK_IS_SATELLITE" {
		t.Errorf("err = %v", err)
	}
	for fapi, want := range map[string]string{
		"clerk.example.com":                 DefaultAPIURL,
		"foo-1.clerk.accounts.lclclerk.com": "https://api.lclclerk.com",
		"clerk.inspired.puma-74.lcl.dev":    "https://api.lclclerk.com",
		"foo.accountsstage.dev":             "https://api.clerkstage.dev",
		"happy-hippo-1.clerk.accounts.dev":  DefaultAPIURL,
	} {
		if got := apiURLForFrontendAPI(fapi); got != want {
			t.Errorf("apiURLForFrontendAPI(%q) = %q, want %q", fapi, got, want)
		}
	}
}

func TestJSFormatting(t *testing.T) {
	t.Parallel()
	nums := map[float64]string{1: "1", 1.5: "1.5", -2: "-2", 1e21: "1e+21", 1.5e-7: "1.5e-7", 0.000001: "0.000001", 1700000000: "1700000000"}
	for f, want := range nums {
		if got := jsNumber(f); got != want {
			t.Errorf("jsNumber(%v) = %q, want %q", f, got, want)
		}
	}
	if got := jsString("a<b>&\u2028"); got != "\"a<b>&\u2028\"" {
		t.Errorf("jsString = %q", got)
	}
	if got := claimJSON([]byte(`{"aud":["a",1,null]}`), "aud"); got != `["a",1,null]` {
		t.Errorf("claimJSON = %q", got)
	}
	if got := claimJSON([]byte(`{}`), "sub"); got != "undefined" {
		t.Errorf("claimJSON missing = %q", got)
	}
	if got := utcString(0, true); got != "Thu, 01 Jan 1970 00:00:00 GMT" {
		t.Errorf("utcString = %q", got)
	}
	if _, ok := claimMillis(1e20); ok {
		t.Error("claimMillis accepted a date JavaScript cannot represent")
	}
	if ms, _ := claimMillis(1.9); ms != 1000 {
		t.Errorf("claimMillis(1.9) = %d, want 1000 (truncated)", ms)
	}
}

func TestTokenErrorFormat(t *testing.T) {
	t.Parallel()
	e := &TokenError{Reason: ReasonRemoteJWKFailedToLoad, Action: ActionContactSupport,
		Message: "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com.", Carrier: CarrierHeader}
	// spec §2.9 [test]
	want := "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com. Contact support@clerk.com (reason=jwk-remote-failed-to-load, token-carrier=header)"
	if e.Error() != want {
		t.Errorf("got  %q\nwant %q", e.Error(), want)
	}
	e = &TokenError{Reason: ReasonTokenInvalidSignature, Message: "JWT signature is invalid."}
	if e.FullMessage() != "JWT signature is invalid. (reason=token-invalid-signature, token-carrier=undefined)" {
		t.Errorf("got %q", e.FullMessage())
	}
	if !errors.Is(e, ReasonTokenInvalidSignature) || errors.Is(e, ReasonTokenExpired) {
		t.Error("errors.Is with a Reason")
	}
}

// FuzzDecodeJWT: decoding and the header checks never panic, whatever the input.
func FuzzDecodeJWT(f *testing.F) {
	f.Add(seg(`{"alg":"RS256","kid":"k"}`) + "." + seg(`{"sub":"user_1","exp":1,"aud":["a"]}`) + "." + seg("sig"))
	f.Add("a.b.c")
	f.Add(seg(`null`) + "." + seg(`null`) + ".")
	f.Add(seg(`{"alg":5,"typ":null,"crit":[]}`) + "." + seg(`{"exp":"x","nbf":1e400,"aud":{}}`) + "." + seg(""))
	f.Fuzz(func(t *testing.T, token string) {
		d, err := decodeJWT(token)
		if err != nil {
			return
		}
		_ = checkHeader(&d.header, nil)
		if d.claims != nil {
			c := &Client{now: func() time.Time { return time.Unix(1700000000, 0) }, audience: []string{"a"}, authorizedParties: []string{"x"}}
			_ = c.checkClaims(d.claims, d.payload, 5*time.Second, sessionChecks)
		}
	})
}

// TestCheckHeaderType is Clerk's assertHeaderType with the headerType
// option set: typ must be one of its values, and a missing typ no longer
// passes.
func TestCheckHeaderType(t *testing.T) {
	allowed := []string{"JWT", "at+jwt"}
	for _, tt := range []struct {
		header, msg string
	}{
		{`{"alg":"RS256","typ":"JWT"}`, ""},
		{`{"alg":"RS256","typ":"at+jwt"}`, ""},
		{`{"alg":"RS256"}`, `Invalid JWT type undefined. Expected "JWT, at+jwt".`},
		{`{"alg":"RS256","typ":"jwt"}`, `Invalid JWT type "jwt". Expected "JWT, at+jwt".`},
		{`{"alg":"RS256","typ":5}`, `Invalid JWT type 5. Expected "JWT, at+jwt".`},
	} {
		var h jwtHeader
		if err := decodeHeader([]byte(tt.header), &h); err != nil {
			t.Fatalf("%s: %v", tt.header, err)
		}
		err := checkHeader(&h, allowed)
		if tt.msg == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tt.header, err)
			}
			continue
		}
		var te *TokenError
		if !errors.As(err, &te) || te.Reason != ReasonTokenInvalid || te.Message != tt.msg {
			t.Errorf("%s: %v, want token-invalid %q", tt.header, err, tt.msg)
		}
	}
}

// TestClerkMessagesForOddHeaders: messages that interpolate header values
// print them as Clerk's SDK does (JSON.stringify for typ, a template string
// for kid, WebCrypto's text for an algorithm the key is not for).
func TestClerkMessagesForOddHeaders(t *testing.T) {
	t.Parallel()
	h := func(js string) *jwtHeader {
		var hd jwtHeader
		if err := decodeHeader([]byte(js), &hd); err != nil {
			t.Fatal(err)
		}
		return &hd
	}
	for _, tc := range []struct{ header, want string }{
		{`{"alg":"RS256","typ":1}`, `Invalid JWT type 1. Expected "JWT".`},
		{`{"alg":"RS256","typ":[1,"a"]}`, `Invalid JWT type [1,"a"]. Expected "JWT".`},
		{`{"alg":"RS256","typ":null}`, `Invalid JWT type null. Expected "JWT".`},
	} {
		err := checkHeader(h(tc.header), nil)
		var te *TokenError
		if !errors.As(err, &te) || te.Message != tc.want {
			t.Errorf("%s: %v, want %q", tc.header, err, tc.want)
		}
	}
	for _, tc := range []struct{ header, want string }{
		{`{"alg":"RS256"}`, "undefined"},
		{`{"alg":"RS256","kid":5}`, "5"},
		{`{"alg":"RS256","kid":null}`, "null"},
		{`{"alg":"RS256","kid":{"a":1}}`, "[object Object]"},
		{`{"alg":"RS256","kid":[1,null,"x"]}`, "1,,x"},
	} {
		if got := jsTemplate(h(tc.header).raw, "kid"); got != tc.want {
			t.Errorf("%s: kid renders %q, want %q", tc.header, got, tc.want)
		}
	}
}

// TestDecodeJWTByteOrderMark: like Clerk's TextDecoder, a leading BOM in a
// segment is dropped before the JSON is read.
func TestDecodeJWTByteOrderMark(t *testing.T) {
	t.Parallel()
	seg := func(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }
	tok := seg("\uFEFF"+`{"alg":"RS256","kid":"k"}`) + "." + seg("\uFEFF"+`{"sub":"user_1"}`) + ".c2ln"
	d, err := decodeJWT(tok)
	if err != nil {
		t.Fatalf("decodeJWT: %v", err)
	}
	if d.header.Kid.v != "k" || d.claims == nil || d.claims.Subject != "user_1" {
		t.Errorf("header %+v claims %+v", d.header, d.claims)
	}
}
