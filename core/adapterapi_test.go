package clerk_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	clerk "github.com/clerkguard/clerkguard/core"
)

// adapterState stands for an adapter's own per-request state.
type adapterState struct{ handler string }

// otherState is another adapter's state type of the same shape: the two
// never see each other.
type otherState struct{ handler string }

func TestWithAuthState(t *testing.T) {
	t.Parallel()
	type probe struct{}
	parent := context.WithValue(context.Background(), probe{}, "parent value")
	c := ptClient(t, nil)
	auth := c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, ptPageURL,
		map[string]string{"Authorization": "Bearer " + ptSession()}))).Auth
	ctx := clerk.WithAuthState(parent, auth, adapterState{handler: "custom"})

	if got := clerk.AuthFromContext(ctx); got != auth {
		t.Errorf("AuthFromContext = %p, want the stored Auth %p", got, auth)
	}
	st := clerk.StateFromContext[adapterState](ctx)
	if st == nil || st.handler != "custom" {
		t.Fatalf("StateFromContext = %+v, want the stored state", st)
	}
	st.handler = "changed"
	if again := clerk.StateFromContext[adapterState](ctx); again != st || again.handler != "changed" {
		t.Errorf("StateFromContext is not the context's own copy: %p %+v", again, again)
	}
	if other := clerk.StateFromContext[otherState](ctx); other != nil {
		t.Errorf("another state type reads %+v", other)
	}
	both := clerk.WithAuthState(ctx, auth, otherState{handler: "other"})
	if a, o := clerk.StateFromContext[adapterState](both), clerk.StateFromContext[otherState](both); a != st || o == nil || o.handler != "other" {
		t.Errorf("two adapters' states side by side: %+v, %+v", a, o)
	}
	if got := ctx.Value(probe{}); got != "parent value" {
		t.Errorf("parent value lost: %v", got)
	}
	// A later WithAuth (a nested middleware) wins for the Auth but keeps the
	// state reachable.
	signedOut := clerk.AuthFromContext(context.Background())
	inner := clerk.WithAuth(ctx, signedOut)
	if clerk.AuthFromContext(inner) != signedOut || clerk.StateFromContext[adapterState](inner) != st {
		t.Error("WithAuth over WithAuthState: the newer Auth and the older state should both be found")
	}
	// Cancellation and deadlines are the parent's.
	cctx, cancel := context.WithCancel(parent)
	sctx := clerk.WithAuthState(cctx, auth, adapterState{})
	cancel()
	<-sctx.Done()
	if sctx.Err() != context.Canceled {
		t.Errorf("Err = %v after the parent was canceled", sctx.Err())
	}
	// Printing the context never prints the Auth or its token.
	tok, _ := auth.GetToken(context.Background())
	if s := fmt.Sprint(ctx); tok == "" || !strings.HasSuffix(s, ".WithAuthState") || strings.Contains(s, tok) {
		t.Errorf("String() = %q", s)
	}
	// nil contexts.
	//lint:ignore SA1012 a nil context on purpose
	if clerk.StateFromContext[adapterState](nil) != nil {
		t.Error("StateFromContext(nil) should be nil")
	}
	//lint:ignore SA1012 a nil context on purpose
	if clerk.AuthFromContext(clerk.WithAuthState(nil, auth, adapterState{})) != auth {
		t.Error("WithAuthState(nil, ...) lost the Auth")
	}
}

// The per-request work an adapter asks of the core allocates only what
// Authenticate itself allocates: the Guard's options are boxed once, a
// Protector reads its options once, and WithAuthState is one allocation.
func TestAdapterPathAllocations(t *testing.T) {
	c := ptClient(t, nil)
	r := newRequest(http.MethodGet, "https://api.example.com/me", map[string]string{"Authorization": "Bearer " + ptSession(),
		"Accept": "application/json"})
	req := clerk.NewRequest(r)
	ctx := context.Background()
	g := clerk.NewGuard(c)
	p := clerk.NewProtector(clerk.AcceptsToken(clerk.SessionToken, clerk.APIKey))
	if res := g.Check(ctx, req); !res.Auth.IsSignedIn() {
		t.Fatalf("not signed in: %+v", res)
	}
	auth := c.Authenticate(ctx, req).Auth
	for _, tc := range []struct {
		name string
		max  float64
		f    func()
	}{
		{"Authenticate", 1, func() { c.Authenticate(ctx, req) }},
		{"Guard.Check", 1, func() { g.Check(ctx, req) }},
		{"Protector.Decide", 0, func() {
			if p.Decide(auth) != nil {
				panic("refused")
			}
		}},
		{"WithAuthState", 1, func() { clerk.WithAuthState(ctx, auth, adapterState{handler: "x"}) }},
	} {
		if got := minAllocs(200, tc.f); got > tc.max {
			t.Errorf("%s: %.0f allocations per call, want at most %.0f", tc.name, got, tc.max)
		}
	}
}

// nilURLRequest is a custom Request whose URL is nil.
type nilURLRequest struct{}

func (nilURLRequest) Method() string       { return http.MethodGet }
func (nilURLRequest) URL() *url.URL        { return nil }
func (nilURLRequest) Header(string) string { return "" }
func (nilURLRequest) Headers() http.Header { return nil }

// Misuse fails closed with a 500 or a signed-out state, never a panic: a
// nil *Client from a New whose error was dropped (security review: every
// request panicked, and Fiber does not recover), a nil Guard or Protector,
// a Request without a URL.
func TestNilsFailClosed(t *testing.T) {
	t.Parallel()
	var nilClient *clerk.Client
	req := clerk.NewRequest(newRequest(http.MethodGet, ptPageURL, map[string]string{"Authorization": "Bearer " + ptSession()}))
	s := nilClient.Authenticate(context.Background(), req)
	if s.IsAuthenticated() || s.Err == nil || s.Auth == nil {
		t.Errorf("nil Client: %+v", s)
	}
	if d := clerk.DecisionFor(s.Auth.Protect()); d == nil || d.Status != http.StatusInternalServerError {
		t.Errorf("Protect after a nil Client: %+v, want 500", d)
	}
	if res := clerk.NewGuard(nilClient).Check(context.Background(), req); res.Decision == nil || res.Decision.Status != http.StatusInternalServerError {
		t.Errorf("Guard over a nil *Client: %+v, want a 500 decision", res.Decision)
	}
	var g *clerk.Guard
	if res := g.Check(context.Background(), req); res.Decision == nil || res.Decision.Status != http.StatusInternalServerError {
		t.Errorf("nil Guard: %+v, want a 500 decision", res.Decision)
	}
	var p *clerk.Protector
	if d := p.Decide(s.Auth); d == nil || d.Status != http.StatusInternalServerError {
		t.Errorf("nil Protector: %+v, want 500", d)
	}
	c := ptClient(t, nil)
	if s := c.Authenticate(context.Background(), nilURLRequest{}); s.IsAuthenticated() {
		t.Errorf("a Request without URL: %+v", s)
	}
}
