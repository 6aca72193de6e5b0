package clerk_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// cspProductionDefault is spec §9.2's [exec] string: Clerk's production
// default for host clerk.example.com.
const cspProductionDefault = "connect-src 'self' https://clerk-telemetry.com https://*.clerk-telemetry.com https://api.stripe.com https://maps.googleapis.com https://img.clerk.com https://images.clerkstage.dev https://*.protect.clerk.com:* clerk.example.com; default-src 'self'; form-action 'self'; frame-src 'self' https://challenges.cloudflare.com https://*.js.stripe.com https://js.stripe.com https://hooks.stripe.com https://*.protect.clerk.com; img-src 'self' https://img.clerk.com; script-src 'self' 'unsafe-inline' https: http: https://*.js.stripe.com https://js.stripe.com https://maps.googleapis.com https://*.protect.clerk.com; style-src 'self' 'unsafe-inline'; worker-src 'self' blob:"

// directive returns one directive of a policy ("" when absent).
func directive(policy, name string) string {
	for _, d := range strings.Split(policy, "; ") {
		if d == name || strings.HasPrefix(d, name+" ") {
			return d
		}
	}
	return ""
}

func TestContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	const host = "clerk.example.com"
	replace := func(old, new string) string { return strings.Replace(cspProductionDefault, old, new, 1) }
	scriptStrict := "script-src 'self' 'unsafe-inline' https://*.js.stripe.com https://js.stripe.com https://maps.googleapis.com https://*.protect.clerk.com 'strict-dynamic' 'nonce-abc123'"
	tests := []struct {
		name    string
		opts    clerk.CSPOptions
		host    string
		headers []clerk.CSPHeader
	}{
		{name: "production default (spec string)", headers: []clerk.CSPHeader{{"Content-Security-Policy", cspProductionDefault}}},
		{name: "development adds unsafe-eval after self", opts: clerk.CSPOptions{Development: true},
			headers: []clerk.CSPHeader{{"Content-Security-Policy", replace("script-src 'self' 'unsafe-inline'", "script-src 'self' 'unsafe-eval' 'unsafe-inline'")}}},
		{name: "strict with a nonce", opts: clerk.CSPOptions{Strict: true, Nonce: "abc123"},
			headers: []clerk.CSPHeader{
				{"Content-Security-Policy", replace("script-src 'self' 'unsafe-inline' https: http: https://*.js.stripe.com https://js.stripe.com https://maps.googleapis.com https://*.protect.clerk.com", scriptStrict)},
				{"X-Nonce", "abc123"},
			}},
		{name: "strict, development, custom script-src merged after strict-dynamic",
			opts: clerk.CSPOptions{Strict: true, Nonce: "abc123", Development: true, Directives: map[string][]string{"script-src": {"https://cdn.example.com", "self"}}},
			headers: []clerk.CSPHeader{
				{"Content-Security-Policy", replace("script-src 'self' 'unsafe-inline' https: http: https://*.js.stripe.com https://js.stripe.com https://maps.googleapis.com https://*.protect.clerk.com",
					"script-src 'self' 'unsafe-eval' 'unsafe-inline' https://*.js.stripe.com https://js.stripe.com https://maps.googleapis.com https://*.protect.clerk.com 'strict-dynamic' 'nonce-abc123' https://cdn.example.com")},
				{"X-Nonce", "abc123"},
			}},
		{name: "custom values merge into a default directive, keywords quoted, duplicates dropped",
			opts:    clerk.CSPOptions{Directives: map[string][]string{"img-src": {"data:", "'self'", "https://img.clerk.com", "unsafe-inline"}}},
			headers: []clerk.CSPHeader{{"Content-Security-Policy", replace("img-src 'self' https://img.clerk.com;", "img-src 'self' https://img.clerk.com data: 'unsafe-inline';")}}},
		{name: "other directives are added, sorted by name",
			opts: clerk.CSPOptions{Directives: map[string][]string{"font-src": {"self", "https://fonts.gstatic.com"}, "base-uri": {"self"}, "upgrade-insecure-requests": {}}},
			headers: []clerk.CSPHeader{{"Content-Security-Policy", "base-uri 'self'; " + strings.NewReplacer(
				"form-action 'self';", "font-src 'self' https://fonts.gstatic.com; form-action 'self';",
				"; worker-src", "; upgrade-insecure-requests ; worker-src").Replace(cspProductionDefault)}}},
		{name: "none collapses a default directive", opts: clerk.CSPOptions{Directives: map[string][]string{"frame-src": {"https://x.example", "none"}}},
			headers: []clerk.CSPHeader{{"Content-Security-Policy", replace(directive(cspProductionDefault, "frame-src"), "frame-src 'none'")}}},
		{name: "quoted none collapses a new directive", opts: clerk.CSPOptions{Directives: map[string][]string{"object-src": {"self", "'none'"}}},
			headers: []clerk.CSPHeader{{"Content-Security-Policy", replace("; script-src", "; object-src 'none'; script-src")}}},
		{name: "report-only", opts: clerk.CSPOptions{ReportOnly: true},
			headers: []clerk.CSPHeader{{"Content-Security-Policy-Report-Only", cspProductionDefault}}},
		{name: "reportTo adds the endpoint, header first", opts: clerk.CSPOptions{ReportTo: "https://example.com/csp"},
			headers: []clerk.CSPHeader{
				{"Reporting-Endpoints", `csp-endpoint="https://example.com/csp"`},
				{"Content-Security-Policy", cspProductionDefault + "; report-to csp-endpoint"},
			}},
		{name: "reportTo, report-only, strict and custom together",
			opts: clerk.CSPOptions{ReportTo: "https://example.com/csp", ReportOnly: true, Strict: true, Nonce: "abc123", Directives: map[string][]string{"worker-src": {"none"}}},
			headers: []clerk.CSPHeader{
				{"Reporting-Endpoints", `csp-endpoint="https://example.com/csp"`},
				{"Content-Security-Policy-Report-Only", strings.NewReplacer(
					"script-src 'self' 'unsafe-inline' https: http: https://*.js.stripe.com https://js.stripe.com https://maps.googleapis.com https://*.protect.clerk.com", scriptStrict,
					"worker-src 'self' blob:", "worker-src 'none'").Replace(cspProductionDefault) + "; report-to csp-endpoint"},
				{"X-Nonce", "abc123"},
			}},
		{name: "the host is not repeated", host: "https://img.clerk.com",
			headers: []clerk.CSPHeader{{"Content-Security-Policy", replace(" clerk.example.com;", ";")}}},
		{name: "the host is not repeated with custom directives either", host: "https://img.clerk.com",
			opts:    clerk.CSPOptions{Directives: map[string][]string{"connect-src": {"wss://ws.example.com"}}},
			headers: []clerk.CSPHeader{{"Content-Security-Policy", replace(" clerk.example.com;", " wss://ws.example.com;")}}},
		{name: "a nonce without strict is ignored", opts: clerk.CSPOptions{Nonce: "abc123"},
			headers: []clerk.CSPHeader{{"Content-Security-Policy", cspProductionDefault}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := tt.host
			if h == "" {
				h = host
			}
			got := clerk.ContentSecurityPolicy(tt.opts, h)
			if len(got.Headers) != len(tt.headers) {
				t.Fatalf("headers %q\nwant %q", got.Headers, tt.headers)
			}
			for i := range tt.headers {
				if got.Headers[i] != tt.headers[i] {
					t.Errorf("header %d\n got %s: %s\nwant %s: %s", i, got.Headers[i].Name, got.Headers[i].Value, tt.headers[i].Name, tt.headers[i].Value)
				}
			}
		})
	}
}

func TestContentSecurityPolicyNonce(t *testing.T) {
	t.Parallel()
	a := clerk.ContentSecurityPolicy(clerk.CSPOptions{Strict: true}, "clerk.example.com")
	b := clerk.ContentSecurityPolicy(clerk.CSPOptions{Strict: true}, "clerk.example.com")
	raw, err := base64.StdEncoding.DecodeString(a.Nonce)
	if err != nil || len(raw) != 16 {
		t.Fatalf("nonce %q: want base64 of 16 bytes (%v)", a.Nonce, err)
	}
	if a.Nonce == b.Nonce {
		t.Error("two policies share a nonce")
	}
	if !strings.Contains(a.Policy(), "'nonce-"+a.Nonce+"'") {
		t.Errorf("policy %q lacks the nonce", a.Policy())
	}
	h := http.Header{}
	a.Apply(h)
	if h.Get("X-Nonce") != a.Nonce || h.Get("Content-Security-Policy") != a.Policy() {
		t.Errorf("Apply set %v", h)
	}
	if got := clerk.ContentSecurityPolicy(clerk.CSPOptions{ReportOnly: true}, "h").Policy(); !strings.HasPrefix(got, "connect-src") {
		t.Errorf("Policy() of a report-only CSP = %q", got)
	}
}

// The Client's convenience uses its publishable key's Frontend API host.
func TestClientContentSecurityPolicy(t *testing.T) {
	t.Parallel()
	c := ptClient(t, func(o *clerk.Options) { o.PublishableKey = clerktest.LivePublishableKey("clerk.example.com") })
	if got := c.ContentSecurityPolicy(clerk.CSPOptions{}).Policy(); got != cspProductionDefault {
		t.Errorf("policy\n got %s\nwant %s", got, cspProductionDefault)
	}
	if !regexp.MustCompile(`https://\*\.protect\.clerk\.com:\* ;`).MatchString((*clerk.Client)(nil).ContentSecurityPolicy(clerk.CSPOptions{}).Policy()) {
		t.Error("a nil Client gives an empty host, as Clerk does without a key")
	}
}

// Computed per response: the default policy costs a few allocations.
func TestContentSecurityPolicyAllocations(t *testing.T) {
	opts := clerk.CSPOptions{Strict: true, Nonce: "abc123"}
	if n := minAllocs(100, func() { clerk.ContentSecurityPolicy(opts, "clerk.example.com") }); n > 2 {
		t.Errorf("%v allocations per strict policy, want at most 2", n)
	}
}

func BenchmarkContentSecurityPolicy(b *testing.B) {
	for _, bc := range []struct {
		name string
		opts clerk.CSPOptions
	}{
		{"default", clerk.CSPOptions{}},
		{"strict", clerk.CSPOptions{Strict: true}},
		{"custom", clerk.CSPOptions{Directives: map[string][]string{"img-src": {"data:"}, "font-src": {"self"}}}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				clerk.ContentSecurityPolicy(bc.opts, "clerk.example.com")
			}
		})
	}
}

// The ContentSecurityPolicy option puts Clerk's headers on every state, so
// the adapters send them with every response; strict mode gets a fresh
// nonce per request.
func TestContentSecurityPolicyOption(t *testing.T) {
	t.Parallel()
	k := clerktest.MustNewKey()
	newC := func(p clerk.CSPOptions) *clerk.Client {
		c, err := clerk.New(clerk.Options{PublishableKey: clerktest.LivePublishableKey("clerk.example.com"),
			JWTKey: k.PublicKeyPEM(), ContentSecurityPolicy: &p})
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tok := k.MustSign(clerktest.SessionV2("user_1", "sess_1", time.Now()))
	req := func(authorization string) clerk.Request {
		r := httptest.NewRequest(http.MethodGet, "https://app.example.com/", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		return clerk.NewRequest(r)
	}
	want := clerk.ContentSecurityPolicy(clerk.CSPOptions{}, "clerk.example.com").Policy()
	c := newC(clerk.CSPOptions{})
	g := clerk.NewGuard(c)
	for _, authorization := range []string{"Bearer " + tok, "", "Bearer nope"} {
		res := g.Check(context.Background(), req(authorization))
		if got := res.Header.Get("Content-Security-Policy"); got != want {
			t.Errorf("%q: Content-Security-Policy %q, want %q", authorization, got, want)
		}
	}
	strict := newC(clerk.CSPOptions{Strict: true, ReportTo: "https://csp.example.com/r"})
	a := strict.Authenticate(context.Background(), req("Bearer "+tok)).Headers
	b := strict.Authenticate(context.Background(), req("Bearer "+tok)).Headers
	if a.Get("X-Nonce") == "" || a.Get("X-Nonce") == b.Get("X-Nonce") {
		t.Errorf("strict nonces %q and %q: want a fresh one per request", a.Get("X-Nonce"), b.Get("X-Nonce"))
	}
	if !strings.Contains(a.Get("Content-Security-Policy"), "'nonce-"+a.Get("X-Nonce")+"'") ||
		a.Get("Reporting-Endpoints") != `csp-endpoint="https://csp.example.com/r"` {
		t.Errorf("strict headers %v", a)
	}
	// The options are copied: changing the caller's map later changes nothing.
	p := clerk.CSPOptions{Directives: map[string][]string{"img-src": {"https://cdn.example.com"}}}
	c2 := newC(p)
	p.Directives["img-src"][0] = "https://evil.example"
	if got := c2.Authenticate(context.Background(), req("")).Headers.Get("Content-Security-Policy"); strings.Contains(got, "evil") {
		t.Errorf("policy follows the caller's map after New: %q", got)
	}
}
