package clerk_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// The machine-token differential test (issue 7, design §5): every case of
// a generated corpus (a token, an acceptsToken value, an instance's
// options) goes through @clerk/backend's authenticateRequest
// (interop/machine.mjs, under node) and through Authenticate, against the
// same clerkdev instances (verify endpoints and JWKS) on the same frozen
// clock. The answers must agree on status, reason, message, token type,
// token, the x-clerk-auth-* headers, the machine auth object's fields,
// getToken() and, for requests authenticated with "any", auth.protect({
// token }) for each token option. Run it with:
//
//	cd interop && npm ci && cd ../core && CLERKGUARD_INTEROP=1 go test -run TestInteropMachineTokens -v .

// miDivergences are the only answers allowed to differ from Clerk's, each
// with its reason (see docs/machine-tokens.md).
var miDivergences = map[string]string{
	// The Backend API answers 200 with revoked/expired set (clerkdev's
	// ReportRevokedMachineTokens): Clerk's SDK returns any 2xx answer as a
	// verified token; clerkguard checks the flags and the expiration.
	"revoked-200": "a verify answer that says revoked or expired never authenticates",
	// Spec §6.2: authorizedParties applies to machine JWTs. @clerk/backend
	// 3.25.0 passes only audience and clockSkewInMs to verifyJwt for them.
	// "oat_a.b.c" is JWT-shaped, so Clerk decodes it as a JWT; the decode
	// fails and Clerk's verifyMachineAuthToken reports m2m_token whatever
	// the prefix. clerkguard keeps the prefix's type (the reason, message
	// and every protect() outcome are the same).
	"jwt-shaped-prefix": "a JWT-shaped oat_/ak_ token that does not decode keeps its prefix's token type",
}

type miInstance struct {
	APIURL            string   `json:"apiUrl"`
	PublishableKey    string   `json:"publishableKey"`
	SecretKey         string   `json:"secretKey"`
	MachineSecretKey  string   `json:"machineSecretKey,omitempty"`
	AuthorizedParties []string `json:"authorizedParties,omitempty"`
	Audience          []string `json:"audience,omitempty"`
}

type miCase struct {
	ID       string `json:"id"`
	Instance string `json:"instance"`
	Accepts  any    `json:"accepts"` // nil, a type, "any" or a list
	Token    string `json:"token"`
	Protect  bool   `json:"protect,omitempty"`

	tokenName  string
	divergence string
}

type miCorpus struct {
	Now       int64                  `json:"now"`
	Instances map[string]*miInstance `json:"instances"`
	Protects  []any                  `json:"protects"`
	Cases     []*miCase              `json:"cases"`
}

type miResult struct {
	ID              string            `json:"id"`
	Threw           string            `json:"threw,omitempty"`
	Status          string            `json:"status"`
	Reason          string            `json:"reason"`
	Message         string            `json:"message"`
	TokenType       string            `json:"tokenType"`
	IsAuthenticated bool              `json:"isAuthenticated"`
	Token           string            `json:"token"`
	Headers         map[string]string `json:"headers"`
	Auth            map[string]any    `json:"auth"`
	GetToken        string            `json:"getToken"`
	Protects        []miProtect       `json:"protects,omitempty"`
	AuthThrew       string            `json:"authThrew,omitempty"`
}

type miProtect struct {
	Outcome string `json:"outcome"`
}

// miAccepts are the acceptsToken values of the corpus (nil: the default).
var miAccepts = []any{nil, "any", "api_key", "m2m_token", "oauth_token",
	[]string{"m2m_token", "api_key"}, []string{"session_token", "api_key"}, []string{"oauth_token", "api_key"},
	[]string{"session_token", "m2m_token", "api_key", "oauth_token"}}

// miProtects are the token options of auth.protect({ token }).
var miProtects = []any{"session_token", "any", "api_key", "m2m_token", "oauth_token",
	[]string{"m2m_token", "api_key"}, []string{"session_token", "api_key"}}

func TestInteropMachineTokens(t *testing.T) {
	script := clerk.InteropScript(t, "machine.mjs", "backend")

	corpus, clients := miBuild(t)
	var theirs struct {
		Node    string     `json:"node"`
		Results []miResult `json:"results"`
	}
	clerk.RunInterop(t, script, corpus, &theirs, nil)
	if len(theirs.Results) != len(corpus.Cases) {
		t.Fatalf("node answered %d cases, corpus has %d", len(theirs.Results), len(corpus.Cases))
	}

	var failures []string
	agreed, allowed := 0, map[string]int{}
	outcomes := map[string]int{}
	for i, c := range corpus.Cases {
		want := theirs.Results[i]
		if want.ID != c.ID {
			t.Fatalf("result %d is for %q, want %q", i, want.ID, c.ID)
		}
		got := miOurs(clients[c.Instance], c, corpus.Protects)
		outcomes[want.Status+" "+want.Reason]++
		diff := miDiff(&want, &got)
		switch {
		case diff == "":
			agreed++
		case c.divergence != "":
			allowed[c.divergence]++
		default:
			failures = append(failures, fmt.Sprintf("%s (instance %s, token %s, accepts %v):\n%s", c.ID, c.Instance, c.tokenName, c.Accepts, diff))
		}
	}
	t.Logf("node %s, @clerk/backend (interop/package.json): %d cases, %d identical, allowed divergences %v", theirs.Node, len(corpus.Cases), agreed, allowed)
	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		t.Logf("  Clerk's answers: %4d  %s", outcomes[k], k)
	}
	for k, n := range allowed {
		t.Logf("  allowed divergence %q (%d cases): %s", k, n, miDivergences[k])
	}
	for i, f := range failures {
		if i == 20 {
			t.Errorf("... and %d more", len(failures)-20)
			break
		}
		t.Error(f)
	}
}

// miBuild starts the instances, mints the tokens and writes the corpus.
func miBuild(t *testing.T) (*miCorpus, map[string]*clerk.Client) {
	t.Helper()
	clock := clerktest.NewClock(mtNow)
	key := mtKey()
	a := clerkdev.NewTestInstance(t, clerkdev.Config{Key: key, Clock: clock.Now})
	rep := clerkdev.NewTestInstance(t, clerkdev.Config{Key: key, Clock: clock.Now, ReportRevokedMachineTokens: true})

	inst := func(i *clerkdev.Instance, mod func(*miInstance)) *miInstance {
		s := i.Settings()
		mi := &miInstance{APIURL: s.APIURL, PublishableKey: s.PublishableKey, SecretKey: s.SecretKey, MachineSecretKey: s.MachineSecretKey}
		if mod != nil {
			mod(mi)
		}
		return mi
	}
	corpus := &miCorpus{
		Now: mtNow.UnixMilli(),
		Instances: map[string]*miInstance{
			"std":      inst(a, nil),
			"no-msk":   inst(a, func(m *miInstance) { m.MachineSecretKey = "" }),
			"wrong-sk": inst(a, func(m *miInstance) { m.SecretKey = "sk_test_wrongwrongwrongwrong" }),
			"aud":      inst(a, func(m *miInstance) { m.Audience = []string{"https://api.example.com"} }),
			"azp":      inst(a, func(m *miInstance) { m.AuthorizedParties = []string{"http://localhost:3000"} }),
			"report":   inst(rep, nil),
		},
		Protects: miProtects,
	}
	clients := map[string]*clerk.Client{}
	for name, mi := range corpus.Instances {
		c, err := clerk.New(clerk.Options{PublishableKey: mi.PublishableKey, SecretKey: mi.SecretKey,
			MachineSecretKey: mi.MachineSecretKey, APIURL: mi.APIURL, AuthorizedParties: mi.AuthorizedParties,
			Audience: mi.Audience, Clock: clock.Now, Logger: slog.New(slog.DiscardHandler)})
		if err != nil {
			t.Fatal(err)
		}
		clients[name] = c
	}

	std := miTokens(t, a, key)
	reported := miTokens(t, rep, key)
	add := func(instance string, toks []miToken, accepts []any, filter func(miToken) bool, divergence func(miToken) string) {
		for _, tok := range toks {
			if filter != nil && !filter(tok) {
				continue
			}
			for _, acc := range accepts {
				c := &miCase{ID: fmt.Sprintf("%s/%s/%v", instance, tok.name, acc), Instance: instance, Accepts: acc,
					Token: tok.token, Protect: acc == "any", tokenName: tok.name}
				if divergence != nil {
					c.divergence = divergence(tok)
				}
				corpus.Cases = append(corpus.Cases, c)
			}
		}
	}
	opaque := func(tok miToken) bool { return !strings.Contains(tok.token, ".") && tok.token != "" }
	isJWT := func(tok miToken) bool { return strings.Count(tok.token, ".") == 2 && !opaque(tok) }
	prefixQuirk := func(tok miToken) string {
		if tok.name == "jwt-shaped-oat" || tok.name == "jwt-shaped-ak" {
			return "jwt-shaped-prefix"
		}
		return ""
	}
	add("std", std, miAccepts, nil, prefixQuirk)
	add("no-msk", std, []any{"any", "m2m_token"}, func(tok miToken) bool { return strings.HasPrefix(tok.name, "mt-") }, nil)
	// Wrong secret key: opaque tokens fail with the Backend API's 401 (the
	// M2M ones pass with the machine secret key); two JWTs see the JWKS
	// refuse the key (Clerk retries that fetch for seconds: keep it short).
	add("wrong-sk", std, []any{"any", "m2m_token"}, func(tok miToken) bool {
		return opaque(tok) || tok.name == "m2m-jwt" || tok.name == "oauth-jwt"
	}, nil)
	add("aud", std, []any{"any"}, isJWT, prefixQuirk)
	add("aud", std, []any{"any", "oauth_token"}, func(tok miToken) bool { return strings.HasPrefix(tok.name, "oat-") }, nil)
	// Machine JWTs ignore AuthorizedParties, as Clerk does.
	add("azp", std, []any{"any"}, isJWT, prefixQuirk)
	add("report", reported, []any{"any", "api_key", "m2m_token", "oauth_token"}, opaque, func(tok miToken) string {
		if strings.HasSuffix(tok.name, "-revoked") || strings.HasSuffix(tok.name, "-expired") {
			return "revoked-200"
		}
		return ""
	})
	if len(corpus.Cases) < 400 {
		t.Fatalf("corpus has %d cases, want at least 400", len(corpus.Cases))
	}
	return corpus, clients
}

type miToken struct{ name, token string }

// miTokens mints every kind of token on inst.
func miTokens(t *testing.T, inst *clerkdev.Instance, key *clerktest.Key) []miToken {
	t.Helper()
	var out []miToken
	must := func(name string) func(clerkdev.MachineToken, error) clerkdev.MachineToken {
		return func(tok clerkdev.MachineToken, err error) clerkdev.MachineToken {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
			out = append(out, miToken{name, tok.Token})
			return tok
		}
	}
	must("ak-user")(inst.CreateAPIKey("user_alice", "ci", []string{"read", "write"}, clerkdev.WithClaim("env", "ci")))
	must("ak-org")(inst.CreateAPIKey("org_acme", "org key", nil, clerkdev.WithLifetime(time.Hour)))
	must("ak-machine")(inst.CreateAPIKey("mch_worker", "machine key", []string{"x"}))
	rk := must("ak-revoked")(inst.CreateAPIKey("user_bob", "old", nil))
	ek := must("ak-expired")(inst.CreateAPIKey("user_bob", "short", nil, clerkdev.WithLifetime(time.Minute)))
	must("mt-valid")(inst.CreateM2MToken("mch_worker", []string{"mch_api"}, clerkdev.WithClaim("job", "nightly")))
	rm := must("mt-revoked")(inst.CreateM2MToken("mch_worker", nil))
	em := must("mt-expired")(inst.CreateM2MToken("mch_worker", nil))
	must("oat-valid")(inst.CreateOAuthToken("user_bob", "client_app", []string{"profile", "email"}))
	ro := must("oat-revoked")(inst.CreateOAuthToken("user_bob", "client_app", nil))
	eo := must("oat-expired")(inst.CreateOAuthToken("user_bob", "client_app", nil))
	for _, tok := range []string{rk.Token, rm.Token, ro.Token} {
		if err := inst.RevokeToken(tok, "leaked"); err != nil {
			t.Fatal(err)
		}
	}
	for _, tok := range []string{ek.Token, em.Token, eo.Token} {
		if err := inst.ExpireToken(tok); err != nil {
			t.Fatal(err)
		}
	}
	out = append(out, miToken{"ak-unknown", "ak_" + strings.Repeat("0", 40)},
		miToken{"mt-unknown", "mt_" + strings.Repeat("1", 40)}, miToken{"oat-unknown", "oat_" + strings.Repeat("2", 40)})

	iss := clerktest.WithIssuer(inst.URL())
	m2mCat, at := clerktest.WithCategory(clerktest.CategoryM2M), clerktest.WithTyp(clerktest.TypOAuthAccessToken)
	m2m := func(opts ...clerktest.ClaimOption) map[string]any {
		return clerktest.M2MClaims("mch_worker", mtNow, append([]clerktest.ClaimOption{iss, clerktest.WithScopes("mch_api", "mch_db")}, opts...)...)
	}
	oauth := func(opts ...clerktest.ClaimOption) map[string]any {
		return clerktest.OAuthClaims("user_bob", "client_app", mtNow, append([]clerktest.ClaimOption{iss, clerktest.WithScopes("profile")}, opts...)...)
	}
	other := clerktest.MustNewKey().WithKID(key.KID())
	jwt, err := inst.MintM2MJWT("mch_worker", []string{"mch_api"}, clerkdev.WithClaim("job", "nightly"))
	if err != nil {
		t.Fatal(err)
	}
	ojwt, err := inst.MintOAuthJWT("user_bob", "client_app", []string{"profile"})
	if err != nil {
		t.Fatal(err)
	}
	sess, err := inst.CreateSession("user_alice", clerkdev.WithOrg("acme"))
	if err != nil {
		t.Fatal(err)
	}
	const api = "https://api.example.com"
	out = append(out,
		miToken{"m2m-jwt", jwt},
		miToken{"m2m-jwt-nocat", key.MustSign(m2m())},
		miToken{"m2m-jwt-sessioncat", key.MustSign(m2m(), clerktest.WithCategory(clerktest.CategorySession))},
		miToken{"m2m-jwt-templatecat", key.MustSign(m2m(), clerktest.WithCategory(clerktest.CategoryTemplate))},
		miToken{"m2m-jwt-expired", key.MustSign(m2m(clerktest.WithExp(-time.Minute)), m2mCat)},
		miToken{"m2m-jwt-skew", key.MustSign(m2m(clerktest.WithExp(-3*time.Second)), m2mCat)},
		miToken{"m2m-jwt-future", key.MustSign(m2m(clerktest.WithIat(time.Minute)), m2mCat)},
		miToken{"m2m-jwt-otherkey", other.MustSign(m2m(), m2mCat)},
		miToken{"m2m-jwt-attyp", key.MustSign(m2m(), m2mCat, at)},
		miToken{"m2m-jwt-hs256", key.MustSign(m2m(), m2mCat, clerktest.WithAlg("HS256"), clerktest.WithHMACSecret([]byte("k")))},
		miToken{"m2m-jwt-noscopes", key.MustSign(clerktest.M2MClaims("mch_worker", mtNow, iss, clerktest.WithClaim("aud", []string{"mch_a"})), m2mCat)},
		miToken{"m2m-jwt-aud", key.MustSign(m2m(clerktest.WithClaim("aud", api)), m2mCat)},
		miToken{"m2m-jwt-otheraud", key.MustSign(m2m(clerktest.WithClaim("aud", "https://other.example")), m2mCat)},
		miToken{"m2m-jwt-azp", key.MustSign(m2m(clerktest.WithAuthorizedParty("http://localhost:3000")), m2mCat)},
		miToken{"oauth-jwt", ojwt},
		miToken{"oauth-jwt-app", key.MustSign(oauth(), clerktest.WithTyp("application/at+jwt"))},
		miToken{"oauth-jwt-scope", key.MustSign(oauth(clerktest.WithoutClaim("scp"), clerktest.WithClaim("scope", "a b")), at)},
		miToken{"oauth-jwt-expired", key.MustSign(oauth(clerktest.WithExp(-time.Minute)), at)},
		miToken{"oauth-jwt-otherkey", other.MustSign(oauth(), at)},
		miToken{"oauth-jwt-aud", key.MustSign(oauth(clerktest.WithClaim("aud", []string{"x", api})), at)},
		miToken{"oauth-jwt-otheraud", key.MustSign(oauth(clerktest.WithClaim("aud", "https://other.example")), at)},
		miToken{"oauth-jwt-emptyaud", key.MustSign(oauth(clerktest.WithClaim("aud", []string{""})), at)},
		miToken{"oauth-jwt-azp", key.MustSign(oauth(clerktest.WithAuthorizedParty("http://localhost:3000")), at)},
		miToken{"session", sess.Token},
		miToken{"template", key.MustSign(clerktest.SessionV2("user_alice", sess.ID, mtNow, iss), clerktest.WithCategory(clerktest.CategoryTemplate))},
		miToken{"jwt-shaped-mt", "mt_abc.def.ghi"},
		miToken{"jwt-shaped-oat", "oat_abc.def.ghi"},
		miToken{"jwt-shaped-ak", "ak_abc.def.ghi"},
		miToken{"garbage", "not-a-token"},
		miToken{"none", ""},
	)
	return out
}

// miOurs answers a case with Authenticate (and Protect).
func miOurs(c *clerk.Client, mc *miCase, protects []any) miResult {
	r := httptest.NewRequest(http.MethodGet, "http://localhost:3000/api/things", nil)
	if mc.Token != "" {
		r.Header.Set("Authorization", "Bearer "+mc.Token)
	}
	var opts []clerk.AuthenticateOption
	if mc.Accepts != nil {
		opts = append(opts, miAcceptance(mc.Accepts))
	}
	s := c.Authenticate(context.Background(), clerk.NewRequest(r), opts...)
	res := miResult{ID: mc.ID, Status: string(s.Status), Reason: string(s.Reason), Message: s.Message,
		TokenType: string(s.TokenType), IsAuthenticated: s.IsAuthenticated(), Token: s.Token,
		Headers: map[string]string{}, Auth: miFields(s.Auth)}
	for _, h := range []string{clerk.HeaderAuthStatus, clerk.HeaderAuthReason, clerk.HeaderAuthMessage} {
		res.Headers[strings.ToLower(h)] = s.Headers.Get(h)
	}
	res.GetToken, _ = s.Auth.GetToken(context.Background())
	if mc.Protect {
		for _, p := range protects {
			err := s.Auth.Protect(miAcceptance(p))
			outcome := "pass"
			var pe *clerk.ProtectError
			switch {
			case err == nil:
			case errors.As(err, &pe) && pe.Decision.Status == http.StatusUnauthorized:
				outcome = "401"
			case errors.As(err, &pe) && pe.Failure == clerk.Unavailable:
				outcome = "503"
			default:
				outcome = "session"
			}
			res.Protects = append(res.Protects, miProtect{Outcome: outcome})
		}
	}
	return res
}

func miAcceptance(v any) clerk.TokenAcceptance {
	switch x := v.(type) {
	case string:
		return clerk.AcceptsToken(clerk.TokenType(x))
	case []string:
		types := make([]clerk.TokenType, len(x))
		for i, s := range x {
			types[i] = clerk.TokenType(s)
		}
		return clerk.AcceptsToken(types...)
	}
	return clerk.AcceptsToken()
}

// miFields is the Auth with Clerk's field names, as JSON values ("" and
// nil are null), for comparison with the object node printed.
func miFields(a *clerk.Auth) map[string]any {
	str := func(s string) any {
		if s == "" {
			return nil
		}
		return s
	}
	m := map[string]any{
		"tokenType": str(string(a.TokenType)), "isAuthenticated": a.IsAuthenticated,
		"id": str(a.ID), "subject": str(a.Subject), "name": str(a.Name),
		"userId": str(a.UserID), "orgId": str(a.OrgID), "machineId": str(a.MachineID), "clientId": str(a.ClientID),
		"scopes": nil, "claims": nil,
	}
	if a.Scopes != nil {
		m["scopes"] = a.Scopes
	}
	if a.MachineClaims != nil {
		m["claims"] = a.MachineClaims
	}
	b, _ := json.Marshal(m)
	var out map[string]any
	_ = json.Unmarshal(b, &out)
	return out
}

// miDiff describes how two answers differ, "" when they agree.
func miDiff(want, got *miResult) string {
	var d []string
	if want.Threw != "" || want.AuthThrew != "" {
		return fmt.Sprintf("  Clerk threw: %q %q", want.Threw, want.AuthThrew)
	}
	cmp := func(name string, w, g any) {
		if !reflect.DeepEqual(w, g) {
			wj, _ := json.Marshal(w)
			gj, _ := json.Marshal(g)
			d = append(d, fmt.Sprintf("  %s: Clerk %s, clerkguard %s", name, wj, gj))
		}
	}
	cmp("status", want.Status, got.Status)
	cmp("reason", want.Reason, got.Reason)
	cmp("message", want.Message, got.Message)
	cmp("tokenType", want.TokenType, got.TokenType)
	cmp("isAuthenticated", want.IsAuthenticated, got.IsAuthenticated)
	cmp("token", want.Token, got.Token)
	cmp("headers", want.Headers, got.Headers)
	for k, v := range want.Auth {
		if s, ok := v.(string); ok && s == "" {
			want.Auth[k] = nil // Clerk's "" and null read the same
		}
	}
	cmp("auth", want.Auth, got.Auth)
	cmp("getToken", want.GetToken, got.GetToken)
	cmp("protect", want.Protects, got.Protects)
	return strings.Join(d, "\n")
}
