package clerk_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// TestInteropProtect compares Protect with Clerk's own JavaScript on a
// generated corpus: sign-in/up redirect Locations with @clerk/backend's
// createRedirect (decorated with the dev browser as Next's middleware does,
// through @clerk/shared's setDevBrowserInURL), and authorization checks (Protect with checks is
// has(params)) with @clerk/shared's createCheckAuthorization. It needs
// Node.js and `npm ci` in interop/, so it runs only with
// CLERKGUARD_INTEROP=1:
//
//	CLERKGUARD_INTEROP=1 go test -run TestInteropProtect ./core
func TestInteropProtect(t *testing.T) {
	script := clerk.InteropScript(t, "protect.mjs", "backend", "shared")
	rng := rand.New(rand.NewPCG(5, 2026))
	in := interopProtectInput{Redirects: genRedirectCases(rng, 3000), Has: genHasCases(rng)}

	var ans struct {
		Node      string `json:"node"`
		Redirects []struct {
			Location string `json:"location"`
			Error    string `json:"error"`
		} `json:"redirects"`
		Has []struct {
			OK    bool   `json:"ok"`
			Error string `json:"error"`
		} `json:"has"`
	}
	clerk.RunInterop(t, script, in, &ans, nil)
	if len(ans.Redirects) != len(in.Redirects) || len(ans.Has) != len(in.Has) {
		t.Fatalf("answer counts differ: redirects %d/%d has %d/%d", len(ans.Redirects), len(in.Redirects), len(ans.Has), len(in.Has))
	}

	key := ptKey()
	redirectFails, hasFails := 0, 0
	for i, c := range in.Redirects {
		want := ans.Redirects[i]
		got, err := goRedirect(t, key, c)
		switch {
		case want.Error != "" && err == nil:
			redirectFails++
			t.Errorf("redirect %d %+v: Clerk throws %q, clerkguard gives %q", i, c, want.Error, got)
		case want.Error == "" && err != nil:
			redirectFails++
			t.Errorf("redirect %d %+v: clerkguard fails (%v), Clerk gives %q", i, c, err, want.Location)
		case want.Error == "" && got != want.Location:
			redirectFails++
			t.Errorf("redirect %d %+v:\n clerkguard %q\n Clerk      %q", i, c, got, want.Location)
		}
		if redirectFails > 20 {
			t.Fatal("too many redirect differences")
		}
	}
	auths := map[string]*clerk.Auth{}
	for i, c := range in.Has {
		want := ans.Has[i]
		if want.Error != "" {
			t.Fatalf("has %d: Clerk threw %q", i, want.Error)
		}
		a := auths[c.claimsKey]
		if a == nil {
			a = goAuth(t, key, c.claims)
			auths[c.claimsKey] = a
		}
		got := a.Protect(c.checks...) == nil
		if got != want.OK {
			hasFails++
			t.Errorf("has %d: auth %s params %s: Protect passes %v, Clerk's has() %v", i, c.claimsKey, mustJSON(c.Params), got, want.OK)
		}
		if hasFails > 20 {
			t.Fatal("too many authorization differences")
		}
	}
	passedHas := 0
	for _, h := range ans.Has {
		if h.OK {
			passedHas++
		}
	}
	t.Logf("node %s: %d redirect locations (createRedirect), %d authorization checks (%d allowed, %d refused) over %d claim sets: %d and %d differences",
		ans.Node, len(in.Redirects), len(in.Has), passedHas, len(in.Has)-passedHas, len(auths), redirectFails, hasFails)
}

type interopProtectInput struct {
	Redirects []redirectCase `json:"redirects"`
	Has       []hasCase5     `json:"has"`
}

// redirectCase is one createRedirect call. ReturnBack nil means the
// default (the current URL); a pointer to "" is Clerk's null.
type redirectCase struct {
	PublishableKey  string  `json:"publishableKey"`
	SignInURL       string  `json:"signInUrl"`
	SignUpURL       string  `json:"signUpUrl"`
	IsSatellite     bool    `json:"isSatellite"`
	BaseURL         string  `json:"baseUrl"`
	DevBrowserToken string  `json:"devBrowserToken,omitempty"`
	SessionStatus   string  `json:"sessionStatus,omitempty"`
	SignUp          bool    `json:"signUp"`
	ReturnBack      *string `json:"-"`
	ReturnBackNull  bool    `json:"-"`
}

func (c redirectCase) MarshalJSON() ([]byte, error) {
	type plain redirectCase
	b, err := json.Marshal(plain(c))
	if err != nil || (c.ReturnBack == nil && !c.ReturnBackNull) {
		return b, err
	}
	var v any = nil
	if c.ReturnBack != nil {
		v = *c.ReturnBack
	}
	rb, _ := json.Marshal(v)
	return append(append(b[:len(b)-1], `,"returnBackUrl":`...), append(rb, '}')...), nil
}

func pick[T any](rng *rand.Rand, xs []T) T { return xs[rng.IntN(len(xs))] }

var interopPKHosts = []struct {
	host string
	dev  bool
}{
	{"clerk.included.katydid-92.lcl.dev", true},
	{"happy-hippo-1.clerk.accounts.dev", true},
	{"clerk.example.com", false},
	{"clerk.accountsstage.example.dev", false},
	{"clerk.clerk.accounts.example.com", false},
}

func genRedirectCases(rng *rand.Rand, n int) []redirectCase {
	signIns := []string{"", "", "/sign-in", "/sign-in/", "sign-in", "https://auth.example.com/login", "https://app.example.com/sign-in?lang=en",
		"//other.example.com/in", "https://APP.example.com:443/in", "http://app.example.com/in", "https://auth.example.com:8443/in#frag",
		"https://auth.example.com/in?a=b+c&d=%7e*", "/in?x=%20y"}
	signUps := []string{"", "", "", "/sign-up", "https://auth.example.com/register", "/up?z=1"}
	bases := []string{"https://app.example.com/", "https://app.example.com/dashboard?tab=1", "http://localhost:3000/a/b?x=1&y=two+words",
		"https://app.example.com/p?q=a+b&r=%7E&s=%zz&t", "https://app.example.com/caf%C3%A9/%E2%9C%93?x=%E2%9C%93",
		"https://app.example.com:8443/x", "https://app.example.com/p?redirect_url=old&__clerk_synced=true",
		"https://app.example.com/it's?a='b'", "https://auth.example.com/here", "http://app.example.com/plain"}
	backs := []string{"/after", "https://other.example.com/x?y=1", "?only=query", "", "after/relative", "https://app.example.com/p#hash"}
	out := make([]redirectCase, 0, n)
	for len(out) < n {
		pk := pick(rng, interopPKHosts)
		c := redirectCase{
			SignInURL: pick(rng, signIns), SignUpURL: pick(rng, signUps), BaseURL: pick(rng, bases),
			IsSatellite: rng.IntN(4) == 0, SignUp: rng.IntN(2) == 0,
		}
		if pk.dev {
			c.PublishableKey = clerktest.PublishableKey(pk.host)
		} else {
			c.PublishableKey = clerktest.LivePublishableKey(pk.host)
		}
		switch rng.IntN(4) {
		case 0: // default
		case 1:
			c.ReturnBackNull = true
		default:
			s := pick(rng, backs)
			c.ReturnBack = &s
		}
		if pk.dev && rng.IntN(2) == 0 {
			c.DevBrowserToken = "dvb_" + fmt.Sprint(rng.IntN(1000))
		}
		if !pk.dev && rng.IntN(5) == 0 {
			c.SessionStatus = "pending"
		}
		if c.IsSatellite {
			// Satellites need an absolute sign-in URL (development: always).
			if u, err := url.Parse(c.SignInURL); c.SignInURL != "" && (err != nil || !u.IsAbs()) || pk.dev && c.SignInURL == "" {
				c.SignInURL = "https://primary.example.com/sign-in"
			}
		}
		out = append(out, c)
	}
	return out
}

// goRedirect answers c with clerkguard: a client with the same keys and
// URLs, a request to the base URL, Auth.RedirectToSignIn/SignUp.
func goRedirect(t *testing.T, key *clerktest.Key, c redirectCase) (string, error) {
	t.Helper()
	dev := strings.HasPrefix(c.PublishableKey, "pk_test_")
	sk := "sk_live_" + strings.Repeat("k", 40)
	if dev {
		sk = "sk_test_" + strings.Repeat("k", 40)
	}
	cl, err := clerk.New(clerk.Options{SecretKey: sk, PublishableKey: c.PublishableKey, JWTKey: key.PublicKeyPEM(),
		SignInURL: c.SignInURL, SignUpURL: c.SignUpURL, IsSatellite: c.IsSatellite, Domain: "satellite.example.com",
		Clock: func() time.Time { return ptNow }})
	if err != nil {
		return "", err
	}
	h := map[string]string{}
	var cookies []string
	if c.DevBrowserToken != "" {
		cookies = append(cookies, "__clerk_db_jwt="+c.DevBrowserToken)
	}
	if c.SessionStatus == "pending" {
		pk, err := clerk.ParsePublishableKey(c.PublishableKey)
		if err != nil {
			return "", err
		}
		iss := "https://" + pk.FrontendAPI
		if c.IsSatellite {
			iss = "https://clerk.satellite.example.com" // the satellite's own Frontend API
		}
		tok := key.MustSign(clerktest.SessionV2("user_1", "sess_1", ptNow, clerktest.WithSessionStatus("pending"), clerktest.WithIssuer(iss)))
		cookies = append(cookies, "__session="+tok, "__client_uat=1")
	}
	if len(cookies) > 0 {
		h["Cookie"] = strings.Join(cookies, "; ")
	}
	r := newRequest(http.MethodGet, c.BaseURL, h)
	st := cl.Authenticate(context.Background(), clerk.NewRequest(r))
	if loc := st.Location(); loc != "" {
		return "", fmt.Errorf("unexpected handshake to %s (%s)", loc, st.Reason)
	}
	var opts []clerk.RedirectOption
	switch {
	case c.ReturnBackNull:
		opts = append(opts, clerk.ReturnBackURL(""))
	case c.ReturnBack != nil:
		opts = append(opts, clerk.ReturnBackURL(*c.ReturnBack))
	}
	if c.SignUp {
		err = st.Auth.RedirectToSignUp(opts...)
	} else {
		err = st.Auth.RedirectToSignIn(opts...)
	}
	var pe *clerk.ProtectError
	if !errors.As(err, &pe) || pe.Decision.Status != http.StatusTemporaryRedirect {
		return "", fmt.Errorf("not a redirect: %v", err)
	}
	return pe.Decision.Header.Get("Location"), nil
}

// hasCase5 is one has(params) call over session claims.
type hasCase5 struct {
	Auth      map[string]any `json:"auth"`
	Params    map[string]any `json:"params"`
	claims    map[string]any
	claimsKey string
	checks    []clerk.ProtectOption
}

func genHasCases(rng *rand.Rand) []hasCase5 {
	type org struct {
		id, role string
		perms    []string
	}
	orgs := []*org{nil, {"org_1", "org:admin", []string{"org:invoices:create", "org:invoices:read"}},
		{"org_1", "org:member", []string{"org:invoices:read"}}, {"org_2", "admin", nil}}
	feas := []any{nil, "o:reports,u:chat", "ou:reports", "o:reports, u:chat", "reports", "", "uo:dashboard,o:team"}
	plas := []any{nil, "u:pro,o:business", "o:pro"}
	fvas := []any{nil, []int{5, 5}, []int{0, -1}, []int{-1, -1}, []int{120, 3}, []int{5, 12}, []int{1500, -1}, []any{5}, []any{5, "x"}, []int{-2, 3}}
	roles := []string{"admin", "org:admin", "org:org:admin", "member", "org:member", "", "org:"}
	perms := []string{"org:invoices:create", "invoices:create", "org:invoices", "org:invoices:read", "org:sys_memberships:manage"}
	features := []string{"reports", "o:reports", "org:reports", "organization:reports", "u:chat", "user:chat", "lol:chat", "chat", "", "dashboard", "team"}
	plans := []string{"pro", "u:pro", "o:pro", "org:business", "business", "user:business"}
	revs := []any{"strict", "strict_mfa", "moderate", "lax", "bogus",
		map[string]any{"level": "second_factor", "afterMinutes": 30}, map[string]any{"level": "first_factor", "afterMinutes": 5},
		map[string]any{"level": "multi_factor", "afterMinutes": 0}, map[string]any{"level": "third_factor", "afterMinutes": 10},
		map[string]any{"level": "multi_factor", "afterMinutes": 1440}}
	var out []hasCase5
	for _, o := range orgs {
		for _, fea := range feas {
			for _, pla := range plas {
				for _, fva := range fvas {
					claims := map[string]any{}
					auth := map[string]any{"userId": "user_1"}
					if o != nil {
						claims["org_id"], claims["org_role"], claims["org_permissions"] = o.id, o.role, o.perms
						auth["orgId"], auth["orgRole"], auth["orgPermissions"] = o.id, o.role, o.perms
						if o.perms == nil {
							auth["orgPermissions"] = nil
							delete(claims, "org_permissions")
						}
					}
					if fea != nil {
						claims["fea"], auth["features"] = fea, fea
					}
					if pla != nil {
						claims["pla"], auth["plans"] = pla, pla
					}
					if fva != nil {
						claims["fva"], auth["factorVerificationAge"] = fva, fva
					}
					key := mustJSON(claims)
					for range 6 {
						params := map[string]any{}
						var checks []clerk.ProtectOption
						for len(params) == 0 {
							if rng.IntN(3) == 0 {
								v := pick(rng, roles)
								params["role"], checks = v, append(checks, clerk.Role(v))
							}
							if rng.IntN(3) == 0 {
								v := pick(rng, perms)
								params["permission"], checks = v, append(checks, clerk.Permission(v))
							}
							if rng.IntN(3) == 0 {
								v := pick(rng, features)
								params["feature"], checks = v, append(checks, clerk.Feature(v))
							}
							if rng.IntN(3) == 0 {
								v := pick(rng, plans)
								params["plan"], checks = v, append(checks, clerk.Plan(v))
							}
							if rng.IntN(3) == 0 {
								v := pick(rng, revs)
								params["reverification"], checks = v, append(checks, clerk.Reverification(goRequirement(v)))
							}
						}
						out = append(out, hasCase5{Auth: auth, Params: params, claims: claims, claimsKey: key, checks: checks})
					}
				}
			}
		}
	}
	return out
}

func goRequirement(v any) clerk.ReverificationRequirement {
	switch v := v.(type) {
	case string:
		return clerk.ReverificationPreset(v)
	case map[string]any:
		return clerk.ReverificationConfig{Level: clerk.ReverificationLevel(v["level"].(string)), AfterMinutes: v["afterMinutes"].(int)}
	}
	return nil
}

// goAuth authenticates a version 1 session token carrying claims.
func goAuth(t *testing.T, key *clerktest.Key, claims map[string]any) *clerk.Auth {
	t.Helper()
	opts := []clerktest.ClaimOption{}
	for k, v := range claims {
		opts = append(opts, clerktest.WithClaim(k, v))
	}
	tok := key.MustSign(clerktest.SessionV1("user_1", "sess_1", ptNow, opts...))
	c := ptClient(t, nil)
	s := c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, ptPageURL, map[string]string{"Authorization": "Bearer " + tok})))
	if !s.IsAuthenticated() {
		t.Fatalf("claims %s: %s %s", mustJSON(claims), s.Status, s.Reason)
	}
	return s.Auth
}

func mustJSON(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return base64.StdEncoding.EncodeToString([]byte(fmt.Sprint(v)))
	}
	return string(b)
}
