package clerktest

import (
	"crypto"
	"crypto/hmac"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"math/rand/v2"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// splitToken returns the decoded parts of a compact JWS.
func splitToken(t *testing.T, tok string) (header, payload, sig []byte, input string) {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token %q has %d parts", tok, len(parts))
	}
	dec := func(s string) []byte {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("part %q is not base64url: %v", s, err)
		}
		return b
	}
	return dec(parts[0]), dec(parts[1]), dec(parts[2]), parts[0] + "." + parts[1]
}

func TestSignDefaultIsRS256WithSortedHeader(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	tok, err := k.Sign(map[string]any{"sub": "user_1", "a&b": "<x>"})
	if err != nil {
		t.Fatal(err)
	}
	header, payload, sig, input := splitToken(t, tok)
	if got, want := string(header), `{"alg":"RS256","kid":"`+k.KID()+`","typ":"JWT"}`; got != want {
		t.Errorf("header = %s, want %s", got, want)
	}
	if got, want := string(payload), `{"a&b":"<x>","sub":"user_1"}`; got != want {
		t.Errorf("payload = %s, want %s (sorted, not HTML-escaped)", got, want)
	}
	d := crypto.SHA256.New()
	d.Write([]byte(input))
	if err := rsa.VerifyPKCS1v15(k.Public(), crypto.SHA256, d.Sum(nil), sig); err != nil {
		t.Errorf("signature does not verify: %v", err)
	}
}

func TestSignVerifiesWithGolangJWT(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	now := time.Now()
	for _, alg := range []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"} {
		tok := k.MustSign(SessionV2("user_1", "sess_1", now), WithAlg(alg), WithCategory(CategorySession))
		claims := jwt.MapClaims{}
		parsed, err := jwt.NewParser(jwt.WithValidMethods([]string{alg})).ParseWithClaims(tok, claims, func(tk *jwt.Token) (any, error) {
			if tk.Header["kid"] != k.KID() || tk.Header["cat"] != CategorySession {
				return nil, fmt.Errorf("header %v", tk.Header)
			}
			return k.Public(), nil
		})
		if err != nil || !parsed.Valid {
			t.Errorf("%s: golang-jwt rejects the token: %v", alg, err)
			continue
		}
		if claims["sub"] != "user_1" || claims["v"] != float64(2) {
			t.Errorf("%s: claims %v", alg, claims)
		}
	}
}

func TestSignAlgorithms(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	secret := []byte(k.PublicKeyPEM())
	tests := []struct {
		name    string
		key     *Key
		opts    []TokenOption
		wantErr string
		check   func(t *testing.T, sig []byte, input string)
	}{
		{name: "none is unsigned", key: k, opts: []TokenOption{WithAlg("none")},
			check: func(t *testing.T, sig []byte, _ string) {
				if len(sig) != 0 {
					t.Errorf("signature %x, want empty", sig)
				}
			}},
		{name: "HS256 with the public key as secret", key: k, opts: []TokenOption{WithAlg("HS256"), WithHMACSecret(secret)},
			check: checkHMAC(crypto.SHA256, secret)},
		{name: "HS384", key: k, opts: []TokenOption{WithAlg("HS384"), WithHMACSecret(secret)}, check: checkHMAC(crypto.SHA384, secret)},
		{name: "HS512", key: k, opts: []TokenOption{WithAlg("HS512"), WithHMACSecret(secret)}, check: checkHMAC(crypto.SHA512, secret)},
		{name: "HMAC with an empty secret", key: k, opts: []TokenOption{WithAlg("HS256"), WithHMACSecret([]byte{})},
			check: checkHMAC(crypto.SHA256, []byte{})},
		{name: "HS256 without secret", key: k, opts: []TokenOption{WithAlg("HS256")}, wantErr: "WithHMACSecret"},
		{name: "ES256 cannot be signed", key: k, opts: []TokenOption{WithAlg("ES256")}, wantErr: `"ES256"`},
		{name: "empty alg", key: k, opts: []TokenOption{WithAlg("")}, wantErr: `""`},
		{name: "lower-case rs256", key: k, opts: []TokenOption{WithAlg("rs256")}, wantErr: `"rs256"`},
		{name: "RS2560", key: k, opts: []TokenOption{WithAlg("RS2560")}, wantErr: `"RS2560"`},
		{name: "ES256 with a given signature", key: k, opts: []TokenOption{WithAlg("ES256"), WithSignature([]byte("forged"))},
			check: func(t *testing.T, sig []byte, _ string) {
				if string(sig) != "forged" {
					t.Errorf("signature %q", sig)
				}
			}},
		{name: "nil key cannot sign RS256", key: nil, wantErr: "non-nil"},
		{name: "nil key signs none", key: nil, opts: []TokenOption{WithAlg("none")},
			check: func(t *testing.T, sig []byte, _ string) {
				if len(sig) != 0 {
					t.Errorf("signature %x", sig)
				}
			}},
		{name: "header alg alone does not change the signature", key: k, opts: []TokenOption{WithHeader("alg", "RS512")},
			check: func(t *testing.T, sig []byte, input string) {
				d := crypto.SHA256.New()
				d.Write([]byte(input))
				if err := rsa.VerifyPKCS1v15(k.Public(), crypto.SHA256, d.Sum(nil), sig); err != nil {
					t.Errorf("not an RS256 signature: %v", err)
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tok, err := tt.key.Sign(map[string]any{"sub": "user_1"}, tt.opts...)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("Sign = %q, %v; want an error mentioning %s", tok, err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			_, _, sig, input := splitToken(t, tok)
			tt.check(t, sig, input)
		})
	}
}

func checkHMAC(h crypto.Hash, secret []byte) func(t *testing.T, sig []byte, input string) {
	return func(t *testing.T, sig []byte, input string) {
		mac := hmac.New(h.New, secret)
		mac.Write([]byte(input))
		if !hmac.Equal(sig, mac.Sum(nil)) {
			t.Error("HMAC signature does not verify")
		}
	}
}

func TestSignNoneTokenEndsWithDot(t *testing.T) {
	t.Parallel()
	tok := sharedKey().MustSign(map[string]any{}, WithAlg("none"))
	if !strings.HasSuffix(tok, ".") || strings.Count(tok, ".") != 2 {
		t.Errorf("none token %q, want header.payload.", tok)
	}
}

func TestSignHeaderOptions(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	tests := []struct {
		name string
		opts []TokenOption
		want string
	}{
		{"kid", []TokenOption{WithKID("ins_other")}, `{"alg":"RS256","kid":"ins_other","typ":"JWT"}`},
		{"no kid", []TokenOption{WithoutHeader("kid")}, `{"alg":"RS256","typ":"JWT"}`},
		{"null kid", []TokenOption{WithHeader("kid", nil)}, `{"alg":"RS256","kid":null,"typ":"JWT"}`},
		{"typ", []TokenOption{WithTyp(TypOAuthAccessToken)}, `{"alg":"RS256","kid":"` + k.KID() + `","typ":"at+jwt"}`},
		{"category", []TokenOption{WithCategory(CategoryM2M)}, `{"alg":"RS256","cat":"cl_B7d4PD333AAA","kid":"` + k.KID() + `","typ":"JWT"}`},
		{"extra field", []TokenOption{WithHeader("oiat", 12)}, `{"alg":"RS256","kid":"` + k.KID() + `","oiat":12,"typ":"JWT"}`},
		{"later option wins", []TokenOption{WithKID("a"), WithKID("b")}, `{"alg":"RS256","kid":"b","typ":"JWT"}`},
		{"alg", []TokenOption{WithAlg("RS384"), WithoutHeader("typ")}, `{"alg":"RS384","kid":"` + k.KID() + `"}`},
		{"nil option", []TokenOption{nil}, `{"alg":"RS256","kid":"` + k.KID() + `","typ":"JWT"}`},
		{"raw header", []TokenOption{WithKID("ignored"), WithRawHeader([]byte(`{"alg":"RS256",`))}, `{"alg":"RS256",`},
		{"empty raw header", []TokenOption{WithRawHeader(nil)}, ``},
	}
	for _, tt := range tests {
		header, _, _, _ := splitToken(t, k.MustSign(map[string]any{}, tt.opts...))
		if string(header) != tt.want {
			t.Errorf("%s: header %s, want %s", tt.name, header, tt.want)
		}
	}
}

func TestSignPayloadForms(t *testing.T) {
	t.Parallel()
	k := sharedKey()
	type custom struct {
		Sub  string `json:"sub"`
		Plan string `json:"plan,omitempty"`
	}
	tests := []struct {
		name   string
		claims any
		want   string
	}{
		{"bytes verbatim", []byte(`{"sub": "x", "sub": "y"`), `{"sub": "x", "sub": "y"`},
		{"raw message verbatim", json.RawMessage(`[1,2]`), `[1,2]`},
		{"struct", custom{Sub: "user_1"}, `{"sub":"user_1"}`},
		{"nil", nil, `null`},
		{"string is JSON-encoded", "x", `"x"`},
	}
	for _, tt := range tests {
		_, payload, _, _ := splitToken(t, k.MustSign(tt.claims))
		if string(payload) != tt.want {
			t.Errorf("%s: payload %s, want %s", tt.name, payload, tt.want)
		}
	}
	if tok, err := k.Sign(map[string]any{"c": make(chan int)}); err == nil {
		t.Errorf("Sign of an unmarshalable value = %q, want an error", tok)
	}
	if tok, err := k.Sign(nil, WithHeader("x", func() {})); err == nil {
		t.Errorf("Sign with an unmarshalable header = %q, want an error", tok)
	}
}

func TestMustSignPanicsOnError(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("MustSign did not panic")
		}
	}()
	sharedKey().MustSign(nil, WithAlg("ES256"))
}

var testNow = time.Unix(1_700_000_000, 0)

func TestSessionV1Defaults(t *testing.T) {
	t.Parallel()
	got := SessionV1("user_1", "sess_1", testNow)
	want := map[string]any{
		"azp": DefaultAuthorizedParty, "iss": DefaultIssuer, "sub": "user_1", "sid": "sess_1",
		"iat": int64(1_700_000_000), "nbf": int64(1_700_000_000 - 10), "exp": int64(1_700_000_000 + 60),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SessionV1 = %v, want %v", got, want)
	}
}

func TestSessionV2Defaults(t *testing.T) {
	t.Parallel()
	got := SessionV2("user_1", "sess_1", testNow)
	jti, ok := got["jti"].(string)
	if !ok || len(jti) != 20 {
		t.Errorf("jti = %v, want 20 hex characters", got["jti"])
	}
	delete(got, "jti")
	want := map[string]any{
		"azp": DefaultAuthorizedParty, "iss": DefaultIssuer, "sub": "user_1", "sid": "sess_1", "v": 2,
		"iat": int64(1_700_000_000), "nbf": int64(1_700_000_000 - 10), "exp": int64(1_700_000_000 + 60),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("SessionV2 = %v, want %v", got, want)
	}
}

func TestClaimOptions(t *testing.T) {
	t.Parallel()
	now := testNow.Add(900 * time.Millisecond) // truncated to whole seconds
	got := SessionV1("user_1", "sess_1", now,
		WithIssuer("https://clerk.other.dev"),
		WithAuthorizedParty("https://app.example"),
		WithExp(-time.Minute), WithNbf(time.Hour), WithIat(30*time.Second),
		WithFactorAge(5, -1), WithSessionStatus("pending"),
		WithActor(Actor{Subject: "user_admin", Type: "agent"}),
		WithFeatures("u:chat"), WithPlans("u:free", "o:pro"),
		WithScopes("ignored"),
		WithClaim("custom", map[string]any{"k": 1}),
		WithClaim("iat", "soon"),
		nil,
	)
	want := map[string]any{
		"iss": "https://clerk.other.dev", "azp": "https://app.example", "sub": "user_1", "sid": "sess_1",
		"exp": int64(1_700_000_000 - 60), "nbf": int64(1_700_000_000 + 3600), "iat": "soon",
		"fva": []int{5, -1}, "sts": "pending", "act": Actor{Subject: "user_admin", Type: "agent"},
		"fea": "u:chat", "pla": "u:free,o:pro", "custom": map[string]any{"k": 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("claims = %v\nwant %v", got, want)
	}
	b, err := json.Marshal(got["act"])
	if err != nil || string(b) != `{"sub":"user_admin","type":"agent"}` {
		t.Errorf("act = %s, %v", b, err)
	}
	got = SessionV1("u", "s", testNow, WithoutClaim("azp"), WithoutClaim("nbf"), WithOrg(Org{ID: "org_1"}), WithoutClaim("org_permissions"))
	for _, name := range []string{"azp", "nbf", "org_permissions"} {
		if _, ok := got[name]; ok {
			t.Errorf("WithoutClaim(%q) left it in place", name)
		}
	}
}

func TestWithOrgV1(t *testing.T) {
	t.Parallel()
	got := SessionV1("u", "s", testNow, WithOrg(Org{ID: "org_1", Slug: "acme", Role: "org:admin", Permissions: []string{"org:invoices:create"}}))
	if got["org_id"] != "org_1" || got["org_slug"] != "acme" || got["org_role"] != "org:admin" ||
		!reflect.DeepEqual(got["org_permissions"], []string{"org:invoices:create"}) {
		t.Errorf("v1 org claims: %v", got)
	}
	got = SessionV1("u", "s", testNow, WithOrg(Org{ID: "org_1"}))
	if _, ok := got["org_role"]; ok {
		t.Error("empty role was written")
	}
	if !reflect.DeepEqual(got["org_permissions"], []string{}) {
		t.Errorf("org_permissions = %#v, want an empty list", got["org_permissions"])
	}
}

func TestWithOrgV2SpecExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                 string
		perms                []string
		extraFea             []string
		wantFea, wantPer     string
		wantFpm              string
		wantPermissionsAfter []string // decoded as in spec §3.1
	}{
		{
			name:    "docs example",
			perms:   []string{"org:dashboard:manage", "org:dashboard:read", "org:teams:read"},
			wantFea: "o:dashboard,o:teams", wantPer: "manage,read", wantFpm: "3,2",
		},
		{
			name:     "repositories and projects",
			perms:    []string{"org:repositories:read", "org:repositories:create", "org:repositories:update", "org:projects:read", "org:projects:update", "org:projects:revoke"},
			extraFea: []string{"o:repositories", "u:chat", "o:billing"},
			wantFea:  "o:repositories,o:projects,u:chat,o:billing", wantPer: "read,create,update,revoke", wantFpm: "7,13",
		},
		{
			name:    "prefix optional, malformed dropped",
			perms:   []string{"a:b", "nocolon", "org:x:", "org::y", "org:f:p:q"},
			wantFea: "o:a,o:f", wantPer: "b,p:q", wantFpm: "1,2",
			wantPermissionsAfter: []string{"org:a:b", "org:f:p:q"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := SessionV2("u", "s", testNow,
				WithOrg(Org{ID: "org_1", Slug: "acme", Role: "org:admin", Permissions: tt.perms}),
				WithFeatures(tt.extraFea...))
			o := got["o"].(map[string]any)
			if o["id"] != "org_1" || o["slg"] != "acme" || o["rol"] != "admin" {
				t.Errorf("o = %v", o)
			}
			if got["fea"] != tt.wantFea || o["per"] != tt.wantPer || o["fpm"] != tt.wantFpm {
				t.Errorf("fea %v, per %v, fpm %v; want %s, %s, %s", got["fea"], o["per"], o["fpm"], tt.wantFea, tt.wantPer, tt.wantFpm)
			}
			want := tt.wantPermissionsAfter
			if want == nil {
				want = tt.perms
			}
			if dec := decodeV2Permissions(t, got["fea"].(string), o["per"].(string), o["fpm"].(string)); !sameSet(dec, want) {
				t.Errorf("decoded permissions %v, want %v", dec, want)
			}
		})
	}
}

func TestWithOrgV2WithoutPermissions(t *testing.T) {
	t.Parallel()
	got := SessionV2("u", "s", testNow, WithOrg(Org{ID: "org_1"}))
	if o := got["o"].(map[string]any); !reflect.DeepEqual(o, map[string]any{"id": "org_1"}) {
		t.Errorf("o = %v", o)
	}
	if _, ok := got["fea"]; ok {
		t.Errorf("fea = %v, want none", got["fea"])
	}
	if _, ok := got["org_id"]; ok {
		t.Error("v2 token has a v1 org_id claim")
	}
}

// TestWithOrgV2RoundTrip encodes random permission sets, many more than 53
// permissions included, and decodes them with the algorithm of spec §3.1.
func TestWithOrgV2RoundTrip(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200 {
		var perms []string
		nf, np := 1+r.IntN(6), 1+r.IntN(80)
		for f := range nf {
			for p := range np {
				if r.IntN(3) == 0 {
					perms = append(perms, fmt.Sprintf("org:f%d:p%d", f, p))
				}
			}
		}
		got := SessionV2("u", "s", testNow, WithOrg(Org{ID: "org_1", Permissions: perms}))
		if len(perms) == 0 {
			continue
		}
		o := got["o"].(map[string]any)
		if dec := decodeV2Permissions(t, got["fea"].(string), o["per"].(string), o["fpm"].(string)); !sameSet(dec, perms) {
			t.Fatalf("case %d: decoded %v, want %v", i, dec, perms)
		}
	}
}

// decodeV2Permissions is spec §3.1, written independently of the encoder.
func decodeV2Permissions(t *testing.T, fea, per, fpm string) []string {
	t.Helper()
	var orgFeatures []string
	for e := range strings.SplitSeq(fea, ",") {
		scope, value, ok := strings.Cut(strings.TrimSpace(e), ":")
		if !ok {
			t.Fatalf("fea entry %q without colon", e)
		}
		if scope == "o" || scope == "ou" || scope == "uo" {
			orgFeatures = append(orgFeatures, value)
		}
	}
	perms := strings.Split(per, ",")
	var out []string
	for i, m := range strings.Split(fpm, ",") {
		n, ok := new(big.Int).SetString(strings.TrimSpace(m), 10)
		if !ok || i >= len(orgFeatures) {
			continue
		}
		for j := range perms {
			if n.Bit(j) == 1 {
				out = append(out, "org:"+orgFeatures[i]+":"+perms[j])
			}
		}
	}
	return out
}

func sameSet(a, b []string) bool {
	a, b = slices.Clone(a), slices.Clone(b)
	slices.Sort(a)
	slices.Sort(b)
	return slices.Equal(slices.Compact(a), slices.Compact(b))
}

func TestBitsToDecimal(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(3, 4))
	for range 500 {
		bits := make([]bool, r.IntN(200))
		want := new(big.Int)
		for i := range bits {
			if r.IntN(2) == 1 {
				bits[i] = true
				want.SetBit(want, i, 1)
			}
		}
		if got := bitsToDecimal(bits); got != want.String() {
			t.Fatalf("bitsToDecimal(%v) = %s, want %s", bits, got, want)
		}
	}
	if got := bitsToDecimal(nil); got != "0" {
		t.Errorf("bitsToDecimal(nil) = %q", got)
	}
}

func TestMachineClaims(t *testing.T) {
	t.Parallel()
	m := M2MClaims("mch_1", testNow, WithScopes("mch_2", "mch_3"))
	if m["sub"] != "mch_1" || m["scopes"] != "mch_2 mch_3" || m["exp"] != int64(1_700_000_000+3600) || m["iss"] != DefaultIssuer {
		t.Errorf("M2MClaims = %v", m)
	}
	if jti, _ := m["jti"].(string); !strings.HasPrefix(jti, "mt_") {
		t.Errorf("M2M jti = %v", m["jti"])
	}
	if _, ok := m["azp"]; ok {
		t.Error("M2M claims have azp")
	}
	o := OAuthClaims("user_1", "client_1", testNow, WithScopes("read", "write"))
	if o["sub"] != "user_1" || o["client_id"] != "client_1" || !reflect.DeepEqual(o["scp"], []string{"read", "write"}) {
		t.Errorf("OAuthClaims = %v", o)
	}
	if jti, _ := o["jti"].(string); !strings.HasPrefix(jti, "oat_") {
		t.Errorf("OAuth jti = %v", o["jti"])
	}
	if _, ok := OAuthClaims("u", "c", testNow)["scp"]; ok {
		t.Error("scp without WithScopes")
	}
	tok := sharedKey().MustSign(o, WithTyp(TypOAuthAccessToken))
	header, payload, _, _ := splitToken(t, tok)
	var h map[string]any
	if err := json.Unmarshal(header, &h); err != nil || h["typ"] != "at+jwt" {
		t.Errorf("header %s", header)
	}
	if !strings.Contains(string(payload), `"exp":`+strconv.Itoa(1_700_000_000+3600)) {
		t.Errorf("payload %s", payload)
	}
}
