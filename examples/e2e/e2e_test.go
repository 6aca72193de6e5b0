package e2e

import (
	"bufio"
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
	"github.com/clerkguard/clerkguard/examples/internal/ginapp"
)

// Bounds: a hung browser or a page that never loads fails the test; it
// never hangs CI. `make e2e` also runs `go test -timeout`.
const (
	browserStartTimeout = 60 * time.Second
	stepTimeout         = 30 * time.Second
	exampleBuildTimeout = 3 * time.Minute
	exampleStartTimeout = 30 * time.Second
	screenshotTimeout   = 10 * time.Second
)

// TestBrowserFlow signs a real browser in and out of the Gin example
// through the offline development instance: Clerk's handshake, the dev
// browser, organization sync and Protect, as a user sees them. Each step
// is a subtest (so `go test -v` prints it as it passes, with its time),
// logs the chain of document requests it caused, and leaves a screenshot.
func TestBrowserFlow(t *testing.T) {
	exe := browser(t)
	// The instance and the app share a clock that the test can move on,
	// to let the session token expire without waiting for it.
	var ahead atomic.Int64
	cfg := clerkdev.DefaultConfig()
	cfg.Clock = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	setup, err := demo.NewDevConfig(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(setup.Close)
	app := httptest.NewServer(ginapp.New(setup)) // 127.0.0.1, a free port
	t.Cleanup(app.Close)
	clock := &clockControl{
		advance:   func(d time.Duration) { ahead.Add(int64(d)) },
		refreshes: func() int { return setup.Dev.Requests("/v1/sessions/{sid}/refresh") },
	}
	browserFlow(t, exe, app.URL, setup.Dev.URL(), screenshotDir(t, "gin"), clock)
}

// TestBrowserFlowExamples runs the same steps against the Echo, chi and
// Fiber examples, built and started as a user would (go build, then the
// binary with ADDR=127.0.0.1:0 and no Clerk keys), each with a browser of
// its own: the adapters differ in how they write redirects and cookies.
func TestBrowserFlowExamples(t *testing.T) {
	exe := browser(t)
	examples := []string{"echo", "chi", "fiber"}
	bin := buildExamples(t, examples)
	for _, fw := range examples {
		t.Run(fw, func(t *testing.T) {
			app, dev := startExample(t, filepath.Join(bin, fw))
			browserFlow(t, exe, app, dev, screenshotDir(t, fw), nil)
		})
	}
}

// browser skips the test unless CLERKGUARD_E2E=1 and returns the browser
// to drive: $CLERKGUARD_CHROMIUM, else Debian's /usr/bin/chromium.
func browser(t *testing.T) string {
	t.Helper()
	if os.Getenv("CLERKGUARD_E2E") != "1" {
		t.Skip("drives a real browser: run `make e2e`, or set CLERKGUARD_E2E=1")
	}
	exe := cmp.Or(os.Getenv("CLERKGUARD_CHROMIUM"), "/usr/bin/chromium")
	if _, err := os.Stat(exe); err != nil {
		t.Fatalf("no browser (`make e2e` installs Debian's chromium): %v", err)
	}
	return exe
}

// clockControl moves the clock of an in-process app and its development
// instance on, and counts the instance's session refreshes.
type clockControl struct {
	advance   func(time.Duration)
	refreshes func() int
}

// browserFlow is the user's journey, one step after the other, in a fresh
// browser against the example at app using the development instance at
// dev. With clock, it also lets the session token expire.
func browserFlow(t *testing.T, exe, app, dev, shots string, clock *clockControl) {
	f := &flow{t: t, app: app, dev: dev, shots: shots}
	f.startBrowser(exe)
	t.Logf("app %s, development instance %s, screenshots in %s", f.app, f.dev, f.shots)

	f.step("signed-out visit to /dashboard lands on the sign-in page", func(t *testing.T, ctx context.Context) {
		f.navigate(t, ctx, "/dashboard", 200)
		loc := f.location(t, ctx)
		if !strings.HasPrefix(loc, f.dev+"/sign-in?") {
			t.Fatalf("landed on %s, want the development instance's sign-in page %s/sign-in", loc, f.dev)
		}
		if got := query(t, loc, "redirect_url"); got != f.app+"/dashboard" {
			t.Errorf("sign-in redirect_url = %q, want %q", got, f.app+"/dashboard")
		}
		f.wantChain(t, "handshake first (no dev browser yet)", f.dev+"/v1/client/handshake?")
		f.waitVisible(t, ctx, testID("sign-in-user_alice"))
	})

	f.step("sign in as Alice: back on /dashboard as user_alice", func(t *testing.T, ctx context.Context) {
		f.click(t, ctx, testID("sign-in-user_alice"), 200)
		f.wantPage(t, ctx, "/dashboard")
		f.wantText(t, ctx, testID("user-id"), "user_alice")
		f.wantText(t, ctx, testID("org-slug"), "personal account")
	})

	f.step("open /orgs/globex/dashboard: organization sync activates Globex", func(t *testing.T, ctx context.Context) {
		f.navigate(t, ctx, "/orgs/globex/dashboard", 200)
		f.wantPage(t, ctx, "/orgs/globex/dashboard")
		f.wantChain(t, "handshake with organization_id=globex", f.dev+"/v1/client/handshake?", "organization_id=globex")
		f.wantText(t, ctx, testID("user-id"), "user_alice")
		f.wantText(t, ctx, testID("org-slug"), "globex")
		f.wantText(t, ctx, testID("org-role"), "org:member")
	})

	f.step("Alice, admin of Acme, has org:invoices:create: /api/invoices answers 200", func(t *testing.T, ctx context.Context) {
		f.navigate(t, ctx, "/orgs/acme/dashboard", 200)
		f.wantText(t, ctx, testID("org-slug"), "acme")
		f.wantText(t, ctx, testID("org-role"), "org:admin")
		f.navigate(t, ctx, "/api/invoices", 200)
		me := f.json(t, ctx)
		if me["userId"] != "user_alice" || me["orgSlug"] != "acme" {
			t.Errorf("/api/invoices = %v, want Alice in acme", me)
		}
	})

	f.step("sign out, sign in as Bob", func(t *testing.T, ctx context.Context) {
		f.signOut(t, ctx)
		f.click(t, ctx, testID("sign-in-link"), 200)
		f.click(t, ctx, testID("sign-in-user_bob"), 200)
		f.wantPage(t, ctx, "/")
		f.wantText(t, ctx, testID("user-id"), "user_bob")
	})

	f.step("Bob, member of Acme, lacks org:invoices:create: /api/invoices answers 404", func(t *testing.T, ctx context.Context) {
		f.navigate(t, ctx, "/orgs/acme/dashboard", 200)
		f.wantText(t, ctx, testID("org-slug"), "acme")
		f.wantText(t, ctx, testID("org-role"), "org:member")
		f.navigate(t, ctx, "/api/invoices", 404)
		f.navigate(t, ctx, "/api/me", 200) // signed in all the same
		if me := f.json(t, ctx); me["userId"] != "user_bob" {
			t.Errorf("/api/me = %v, want Bob", me)
		}
	})

	f.step("Bob opens /orgs/globex/dashboard, not a member: activation gives up after three handshakes", func(t *testing.T, ctx context.Context) {
		// The instance keeps the active organization, so the app asks
		// again until Clerk's loop guard (the __clerk_redirect_count
		// cookie, counting to 3) skips the activation and serves the page
		// with the organization unchanged.
		f.navigate(t, ctx, "/orgs/globex/dashboard", 200)
		f.wantPage(t, ctx, "/orgs/globex/dashboard")
		// Three when each round trip takes under the cookie's 2 seconds;
		// more on a machine slow enough to let it expire in between.
		if n := f.countChain(f.dev+"/v1/client/handshake?", "organization_id=globex"); n < 3 {
			t.Errorf("%d handshakes with organization_id=globex, want 3", n)
		}
		f.wantText(t, ctx, testID("user-id"), "user_bob")
		f.wantText(t, ctx, testID("org-slug"), "acme")
	})

	if clock != nil {
		// Clerk refreshes an expired cookie token of a GET on the server
		// (POST /v1/sessions/{sid}/refresh with the __refresh cookie, spec
		// §1.9) and answers signed in with new cookies: no redirect.
		f.step("two minutes later (session token expired): the next page refreshes the session, no redirect", func(t *testing.T, ctx context.Context) {
			before := clock.refreshes()
			clock.advance(2 * time.Minute) // session tokens live 60 seconds
			f.navigate(t, ctx, "/dashboard", 200)
			f.wantPage(t, ctx, "/dashboard")
			if hops := f.nav.snapshot(); len(hops) != 1 {
				t.Errorf("%d document requests, want 1 (no redirect)", len(hops))
			}
			f.wantText(t, ctx, testID("user-id"), "user_bob")
			f.wantText(t, ctx, testID("org-slug"), "acme")
			f.navigate(t, ctx, "/api/me", 200) // with the new cookies: no second refresh
			if me := f.json(t, ctx); me["userId"] != "user_bob" {
				t.Errorf("/api/me = %v, want Bob", me)
			}
			if n := clock.refreshes() - before; n != 1 {
				t.Errorf("%d session refreshes, want 1 (the browser keeps the refreshed cookies)", n)
			}
		})
	}

	f.step("sign out: /dashboard redirects to the sign-in page again", func(t *testing.T, ctx context.Context) {
		f.signOut(t, ctx)
		f.navigate(t, ctx, "/dashboard", 200)
		if loc := f.location(t, ctx); !strings.HasPrefix(loc, f.dev+"/sign-in?") {
			t.Fatalf("landed on %s, want the sign-in page", loc)
		}
		f.waitVisible(t, ctx, testID("sign-in-user_alice"))
	})
}

// flow is one browser tab going through the steps, with the addresses of
// the app and of the development instance.
type flow struct {
	t        *testing.T
	app, dev string
	shots    string
	tab      context.Context
	n        int // step number
	nav      navLog
}

// startBrowser starts Chromium headless with a fresh profile, with the flags
// a closed network and root need, and opens the tab.
func (f *flow) startBrowser(exe string) {
	t := f.t
	profile, err := os.MkdirTemp("", "clerkguard-e2e-profile-")
	if err != nil {
		t.Fatal(err)
	}
	// Removed by hand: Chromium may still be writing when it is killed,
	// which would make t.TempDir's clean-up fail the test.
	t.Cleanup(func() { _ = os.RemoveAll(profile) })
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(exe),
		chromedp.UserDataDir(profile),
		chromedp.Headless,
		chromedp.NoSandbox, // root in CI
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true), // else its connections are refused by the closed network
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1000, 720),
	)
	alloc, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	tab, cancelTab := chromedp.NewContext(alloc)
	t.Cleanup(func() {
		done := make(chan struct{})
		go func() { _ = chromedp.Cancel(tab); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
		}
		cancelTab()
		cancelAlloc() // kills the process if it is still there
	})

	// The first Run starts the browser and must not carry a deadline (the
	// browser lives as long as its context), so it is bounded from outside.
	started := make(chan error, 1)
	go func() { started <- chromedp.Listen(tab, f.nav.record) }()
	select {
	case err := <-started:
		if err != nil {
			t.Fatalf("starting %s: %v", exe, err)
		}
	case <-time.After(browserStartTimeout):
		cancelTab()
		t.Fatalf("%s did not start within %v", exe, browserStartTimeout)
	}
	f.tab = tab
}

// step runs fn as the subtest "<n>_<name>" with a deadline, logs the
// document requests it caused and its time, and takes a screenshot, also
// when it fails. A failed step ends the test: the next ones depend on it.
func (f *flow) step(name string, fn func(t *testing.T, ctx context.Context)) {
	f.n++
	n := f.n
	ok := f.t.Run(fmt.Sprintf("%d %s", n, name), func(t *testing.T) {
		start := time.Now()
		f.nav.reset()
		ctx, cancel := context.WithTimeout(f.tab, stepTimeout)
		defer cancel()
		f.pause(t, ctx)
		defer func() {
			for _, line := range f.nav.lines(f.app, f.dev) {
				t.Log("  " + line)
			}
			shot := f.screenshot(t, n, name, t.Failed())
			if t.Failed() {
				f.logPage(t)
				t.Logf("FAILED after %v; screenshot %s", time.Since(start).Round(time.Millisecond), shot)
				return
			}
			t.Logf("passed in %v; screenshot %s", time.Since(start).Round(time.Millisecond), shot)
		}()
		fn(t, ctx)
	})
	if !ok {
		f.t.FailNow()
	}
}

// pause makes the browser look as if the user paused before the step, as
// a user does between two actions: it deletes Clerk's handshake loop-guard
// cookie, which would have expired by then. The cookie lives 2 seconds and
// counts every handshake redirect while it lives (the guard trips at 3,
// spec §1.8.3 and §8), so steps that follow each other faster than a user
// would add up their handshakes: a third quick organization switch would
// be skipped as a "loop". Clerk behaves the same; step 7 shows the guard
// within one navigation.
func (f *flow) pause(t *testing.T, ctx context.Context) {
	t.Helper()
	u, err := url.Parse(f.app)
	if err != nil {
		t.Fatal(err)
	}
	err = chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
		// Every path: the cookie has none, so it takes the directory of
		// the URL that set it (/orgs/globex for /orgs/globex/dashboard).
		_, err := cdp.Call(ctx, tg, network.DeleteCookies, network.DeleteCookiesParams{Name: "__clerk_redirect_count", Domain: u.Hostname()})
		return err
	}))
	if err != nil {
		t.Fatalf("deleting the loop-guard cookie: %v", err)
	}
}

// navigate opens the app's path and checks the status of the document it
// ends on (after redirects).
func (f *flow) navigate(t *testing.T, ctx context.Context, path string, status int64) {
	t.Helper()
	resp, err := chromedp.Run(ctx, chromedp.NavigateResponse(f.app+path))
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	if resp.Status != status {
		t.Fatalf("GET %s ended on %s with %d, want %d", path, resp.URL, resp.Status, status)
	}
}

// click clicks the element and waits for the page it leads to.
func (f *flow) click(t *testing.T, ctx context.Context, sel string, status int64) {
	t.Helper()
	resp, err := chromedp.RunResponse(ctx, chromedp.Click(chromedp.CSS(sel), chromedp.NodeVisible))
	if err != nil {
		t.Fatalf("click %s: %v", sel, err)
	}
	if resp.Status != status {
		t.Fatalf("click %s ended on %s with %d, want %d", sel, resp.URL, resp.Status, status)
	}
}

// signOut goes from the app's home page through the development
// instance's sign-out page and back, signed out.
func (f *flow) signOut(t *testing.T, ctx context.Context) {
	t.Helper()
	f.navigate(t, ctx, "/", 200)
	f.click(t, ctx, testID("sign-out-link"), 200)
	if loc := f.location(t, ctx); !strings.HasPrefix(loc, f.dev+"/sign-out?") {
		t.Fatalf("the sign-out link led to %s", loc)
	}
	f.click(t, ctx, testID("sign-out"), 200)
	f.wantPage(t, ctx, "/")
	f.wantText(t, ctx, testID("who"), "Signed out.")
}

func (f *flow) location(t *testing.T, ctx context.Context) string {
	t.Helper()
	loc, err := chromedp.Run(ctx, chromedp.Location())
	if err != nil {
		t.Fatalf("reading the location: %v", err)
	}
	return loc
}

// wantPage checks that the browser is on the app's path, with no query
// left over from the handshake.
func (f *flow) wantPage(t *testing.T, ctx context.Context, path string) {
	t.Helper()
	if loc := f.location(t, ctx); loc != f.app+path {
		t.Fatalf("on %s, want %s", loc, f.app+path)
	}
}

// text waits for the first element the CSS selector matches to show some
// text, and returns it. It reads the page with JavaScript, retrying until
// the step's deadline: right after a navigation DevTools may still name the
// previous document's nodes or execution context ("No node with given id
// found", "Cannot find context with specified id"), notably around
// Chromium's JSON viewer.
func (f *flow) text(t *testing.T, ctx context.Context, sel string) string {
	t.Helper()
	q, _ := json.Marshal(sel)
	expr := fmt.Sprintf(`document.querySelector(%s)?.innerText`, q)
	var lastErr error
	for {
		got, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if got = strings.TrimSpace(got); err == nil && got != "" {
			return got
		}
		lastErr = cmp.Or(err, fmt.Errorf("no text yet"))
		select {
		case <-ctx.Done():
			t.Fatalf("reading %s: %v (last error: %v)", sel, ctx.Err(), lastErr)
		case <-time.After(50 * time.Millisecond):
		}
	}
}

func (f *flow) waitVisible(t *testing.T, ctx context.Context, sel string) {
	t.Helper()
	f.text(t, ctx, sel)
}

func (f *flow) wantText(t *testing.T, ctx context.Context, sel, want string) {
	t.Helper()
	if got := f.text(t, ctx, sel); got != want {
		t.Fatalf("%s = %q, want %q", sel, got, want)
	}
}

// json decodes the JSON document the browser shows.
func (f *flow) json(t *testing.T, ctx context.Context) map[string]any {
	t.Helper()
	body := f.text(t, ctx, "body")
	var m map[string]any
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatalf("the page is not JSON (%v): %.300s", err, body)
	}
	return m
}

// wantChain checks that one request of the step's redirect chain starts
// with prefix and contains every part.
func (f *flow) wantChain(t *testing.T, what, prefix string, parts ...string) {
	t.Helper()
	if f.countChain(prefix, parts...) == 0 {
		t.Errorf("no %s in the redirect chain (a request to %s with %q)", what, prefix, parts)
	}
}

// countChain counts the requests of the step that start with prefix and
// contain every part.
func (f *flow) countChain(prefix string, parts ...string) int {
	n := 0
	for _, h := range f.nav.snapshot() {
		ok := strings.HasPrefix(h.url, prefix)
		for _, p := range parts {
			ok = ok && strings.Contains(h.url, p)
		}
		if ok {
			n++
		}
	}
	return n
}

// screenshot saves the page as <dir>/<nn>-<name>.png (FAILED in the name
// when the step failed) and returns the file name.
func (f *flow) screenshot(t *testing.T, n int, name string, failed bool) string {
	ctx, cancel := context.WithTimeout(f.tab, screenshotTimeout)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Logf("screenshot: %v", err)
		return "(none)"
	}
	slug := strings.Trim(nonWord.ReplaceAllString(strings.ToLower(name), "-"), "-")
	if failed {
		slug += "-FAILED"
	}
	file := filepath.Join(f.shots, fmt.Sprintf("%02d-%.60s.png", n, slug))
	if err := os.WriteFile(file, png, 0o644); err != nil {
		t.Logf("screenshot: %v", err)
		return "(none)"
	}
	return file
}

var nonWord = regexp.MustCompile(`[^a-z0-9]+`)

// logPage logs where a failed step left the browser, and what it shows.
func (f *flow) logPage(t *testing.T) {
	ctx, cancel := context.WithTimeout(f.tab, screenshotTimeout)
	defer cancel()
	loc, _ := chromedp.Run(ctx, chromedp.Location())
	body, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body?.innerText ?? ""`))
	t.Logf("the browser is on %s, showing:\n%.1000s", loc, body)
}

// screenshotDir is the folder name in $CLERKGUARD_E2E_SCREENSHOTS, else in
// ./screenshots, emptied of an earlier run's images.
func screenshotDir(t *testing.T, name string) string {
	dir := filepath.Join(cmp.Or(os.Getenv("CLERKGUARD_E2E_SCREENSHOTS"), "screenshots"), name)
	dir, err := filepath.Abs(dir)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.png"))
	for _, p := range old {
		_ = os.Remove(p)
	}
	return dir
}

// buildExamples builds the examples (directories of the examples module)
// with one go build, into a temporary directory it returns.
func buildExamples(t *testing.T, names []string) string {
	t.Helper()
	bin := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), exampleBuildTimeout)
	defer cancel()
	args := []string{"build", "-o", bin + string(filepath.Separator)}
	for _, n := range names {
		args = append(args, "./"+n)
	}
	build := exec.CommandContext(ctx, "go", args...)
	build.Dir = ".." // the examples module
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return bin
}

// startExample starts the example program exe on a free loopback port,
// without Clerk keys, and returns its URL and its development instance's,
// read from its banner. It stops the example with SIGTERM at the end of
// the test (and kills it 5 seconds later).
func startExample(t *testing.T, exe string) (app, dev string) {
	t.Helper()
	fw := filepath.Base(exe)
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), "ADDR=127.0.0.1:0", "CLERK_SECRET_KEY=", "CLERK_PUBLISHABLE_KEY=")
	cmd.Stderr = os.Stderr
	cmd.WaitDelay = 5 * time.Second
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan error, 1)
		go func() { done <- cmd.Wait() }()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = cmd.Process.Kill()
			<-done
		}
	})

	found := make(chan [2]string, 1)
	go func() {
		var app, dev string
		sc := bufio.NewScanner(stdout)
		sc.Buffer(nil, 1<<20) // curl lines carry tokens
		for sc.Scan() {
			if m := bannerApp.FindStringSubmatch(sc.Text()); m != nil {
				app = m[1]
			}
			if m := bannerDev.FindStringSubmatch(sc.Text()); m != nil {
				dev = m[1]
			}
			if app != "" && dev != "" {
				found <- [2]string{app, dev}
				break
			}
		}
		_, _ = io.Copy(io.Discard, stdout) // keep the pipe drained
	}()
	select {
	case urls := <-found:
		return urls[0], urls[1]
	case <-time.After(exampleStartTimeout):
		t.Fatalf("examples/%s printed no banner with its URLs within %v", fw, exampleStartTimeout)
	}
	return "", ""
}

var (
	bannerApp = regexp.MustCompile(`example listening on (http://\S+)`)
	bannerDev = regexp.MustCompile(`offline development instance at (http://\S+)`)
)

func testID(id string) string { return `[data-testid="` + id + `"]` }

func query(t *testing.T, rawURL, key string) string {
	t.Helper()
	u, err := url.Parse(rawURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Query().Get(key)
}

// navLog records the document requests of the tab (top-level navigations
// and their redirects), from the browser's network events.
type navLog struct {
	mu   sync.Mutex
	hops []hop
}

type hop struct {
	method, url string
	status      int64 // 0 until the response arrives
}

// record is the tab's event listener; it runs on chromedp's reading
// goroutine, so it only appends under the lock.
func (l *navLog) record(ev any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	switch ev := ev.(type) {
	case *network.EventRequestWillBeSent:
		if ev.Type != network.ResourceTypeDocument || ev.Request == nil {
			return
		}
		if ev.RedirectResponse != nil && len(l.hops) > 0 {
			l.hops[len(l.hops)-1].status = ev.RedirectResponse.Status
		}
		l.hops = append(l.hops, hop{method: ev.Request.Method, url: ev.Request.URL})
	case *network.EventResponseReceived:
		if ev.Type != network.ResourceTypeDocument || ev.Response == nil {
			return
		}
		for i := len(l.hops) - 1; i >= 0; i-- {
			if l.hops[i].url == ev.Response.URL && l.hops[i].status == 0 {
				l.hops[i].status = ev.Response.Status
				break
			}
		}
	}
}

func (l *navLog) reset() {
	l.mu.Lock()
	l.hops = nil
	l.mu.Unlock()
}

func (l *navLog) snapshot() []hop {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]hop(nil), l.hops...)
}

// lines formats the hops as "GET app/dashboard -> 307", with the app's and
// the instance's origins shortened and long query values elided.
func (l *navLog) lines(app, dev string) []string {
	var out []string
	for _, h := range l.snapshot() {
		u := h.url
		switch {
		case strings.HasPrefix(u, app):
			u = "app" + strings.TrimPrefix(u, app)
		case strings.HasPrefix(u, dev):
			u = "dev" + strings.TrimPrefix(u, dev)
		}
		status := "…"
		if h.status != 0 {
			status = fmt.Sprint(h.status)
		}
		out = append(out, fmt.Sprintf("%-4s %s -> %s", h.method, elide(u, app, dev), status))
	}
	return out
}

// elide shortens the query values longer than 16 characters (tokens,
// nonces) and shows redirect_url with the same short origins.
func elide(u, app, dev string) string {
	path, rawQuery, ok := strings.Cut(u, "?")
	if !ok {
		return u
	}
	parts := strings.Split(rawQuery, "&")
	for i, p := range parts {
		k, v, _ := strings.Cut(p, "=")
		if dv, err := url.QueryUnescape(v); err == nil {
			v = strings.NewReplacer(app, "app", dev, "dev").Replace(dv)
		}
		if len(v) > 16 && k != "redirect_url" {
			v = v[:8] + "…"
		}
		parts[i] = k + "=" + v
	}
	return path + "?" + strings.Join(parts, "&")
}
