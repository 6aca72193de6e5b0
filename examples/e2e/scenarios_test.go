package e2e

import (
	"context"
	"net"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clerkguard/clerkguard/examples/internal/demo"
	"github.com/clerkguard/clerkguard/examples/internal/ginapp"
)

// TestBrowserRestart is a newcomer stopping the example and running it
// again: a new development instance (new keys, new cookie suffix) behind
// the same address, and a browser still holding the first run's cookies.
// It lands on the new instance's sign-in page, and signing in works.
func TestBrowserRestart(t *testing.T) {
	exe := browser(t)
	first := startGin(t, "127.0.0.1:0")
	f := &flow{t: t, app: first.app.URL, dev: first.setup.Dev.URL(), shots: screenshotDir(t, "restart")}
	f.startBrowser(exe)
	f.step("first run: sign in as Alice", func(t *testing.T, ctx context.Context) {
		f.navigate(t, ctx, "/dashboard", 200)
		f.click(t, ctx, testID("sign-in-user_alice"), 200)
		f.wantText(t, ctx, testID("user-id"), "user_alice")
	})
	addr := first.app.Listener.Addr().String()
	first.stop()
	second := startGin(t, addr)
	f.dev = second.setup.Dev.URL()

	f.step("second run on the same address: /dashboard leads to the new instance's sign-in page", func(t *testing.T, ctx context.Context) {
		f.navigate(t, ctx, "/dashboard", 200)
		if loc := f.location(t, ctx); !strings.HasPrefix(loc, f.dev+"/sign-in?") {
			t.Fatalf("landed on %s, want %s/sign-in", loc, f.dev)
		}
	})
	f.step("second run: sign in as Bob", func(t *testing.T, ctx context.Context) {
		f.click(t, ctx, testID("sign-in-user_bob"), 200)
		f.wantPage(t, ctx, "/dashboard")
		f.wantText(t, ctx, testID("user-id"), "user_bob")
	})
}

// TestBrowserTwoApps runs two examples side by side on 127.0.0.1, each
// with its own development instance. Browsers do not separate cookies by
// port, so both apps see each other's __session; Clerk's suffixed cookies
// (__session_<suffix>, named after each publishable key) keep the two
// sessions apart.
func TestBrowserTwoApps(t *testing.T) {
	exe := browser(t)
	a, b := startGin(t, "127.0.0.1:0"), startGin(t, "127.0.0.1:0")
	f := &flow{t: t, shots: screenshotDir(t, "two-apps")}
	use := func(g *ginServer) { f.app, f.dev = g.app.URL, g.setup.Dev.URL() }
	use(a)
	f.startBrowser(exe)

	f.step("app A: sign in as Alice", func(t *testing.T, ctx context.Context) {
		use(a)
		f.navigate(t, ctx, "/dashboard", 200)
		f.click(t, ctx, testID("sign-in-user_alice"), 200)
		f.wantText(t, ctx, testID("user-id"), "user_alice")
	})
	f.step("app B: its own sign-in page, sign in as Bob", func(t *testing.T, ctx context.Context) {
		use(b)
		f.navigate(t, ctx, "/dashboard", 200)
		if loc := f.location(t, ctx); !strings.HasPrefix(loc, f.dev+"/sign-in?") {
			t.Fatalf("landed on %s, want B's instance's sign-in page", loc)
		}
		f.click(t, ctx, testID("sign-in-user_bob"), 200)
		f.wantText(t, ctx, testID("user-id"), "user_bob")
	})
	f.step("app A: still Alice, no redirect", func(t *testing.T, ctx context.Context) {
		use(a)
		f.navigate(t, ctx, "/dashboard", 200)
		f.wantPage(t, ctx, "/dashboard")
		f.wantText(t, ctx, testID("user-id"), "user_alice")
		if n := len(f.nav.snapshot()); n != 1 {
			t.Errorf("%d document requests, want 1", n)
		}
	})
	f.step("app B: still Bob, no redirect", func(t *testing.T, ctx context.Context) {
		use(b)
		f.navigate(t, ctx, "/dashboard", 200)
		f.wantText(t, ctx, testID("user-id"), "user_bob")
		if n := len(f.nav.snapshot()); n != 1 {
			t.Errorf("%d document requests, want 1", n)
		}
	})
	f.step("app A: organization sync still works (Acme)", func(t *testing.T, ctx context.Context) {
		use(a)
		f.navigate(t, ctx, "/orgs/acme/dashboard", 200)
		f.wantText(t, ctx, testID("user-id"), "user_alice")
		f.wantText(t, ctx, testID("org-slug"), "acme")
	})
}

// ginServer is the Gin example with its own development instance.
type ginServer struct {
	setup *demo.Setup
	app   *httptest.Server
}

// startGin serves the Gin example on addr; stop, or the test's end, stops
// the server and the instance.
func startGin(t *testing.T, addr string) *ginServer {
	t.Helper()
	setup, err := demo.NewDev()
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		setup.Close()
		t.Fatal(err)
	}
	app := httptest.NewUnstartedServer(ginapp.New(setup))
	app.Listener.Close()
	app.Listener = ln
	app.Start()
	g := &ginServer{setup: setup, app: app}
	t.Cleanup(g.stop)
	return g
}

func (g *ginServer) stop() {
	g.app.Close() // idempotent, as is Setup.Close
	g.setup.Close()
}
