package clerk_test

// Fault tests (issue 10): the Backend API and the JWKS endpoint down, slow,
// failing and restarted, keys rotated under load. Expected (design §4.1,
// §4.2): cached keys keep serving, rotation is picked up, nothing waits
// past its deadline, outages answer 503 through Protect, and every
// goroutine ends.

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// faultProxy is a loopback reverse proxy in front of a backend (a clerkdev
// instance) that a test slows down, breaks, stops and restarts on the same
// port, and whose key set it can replace (a rotation clerkdev cannot do).
type faultProxy struct {
	addr      string
	proxy     *httputil.ReverseProxy
	transport *http.Transport

	mu     sync.Mutex
	srv    *http.Server
	done   chan struct{} // closed by Stop: ends pending delays
	delay  time.Duration
	status int    // answer every call with this status (0: pass through)
	jwks   []byte // served for .../jwks instead of the backend's key set
	calls  map[string]int
}

func newFaultProxy(t testing.TB, backend string) *faultProxy {
	t.Helper()
	target, err := url.Parse(backend)
	if err != nil {
		t.Fatal(err)
	}
	p := &faultProxy{transport: &http.Transport{}, calls: map[string]int{}}
	p.proxy = &httputil.ReverseProxy{
		// SetURL also sets Host: clerkdev answers only to its own host.
		Rewrite:   func(r *httputil.ProxyRequest) { r.SetURL(target) },
		Transport: p.transport,
	}
	p.proxy.ErrorHandler = func(w http.ResponseWriter, _ *http.Request, _ error) { w.WriteHeader(http.StatusBadGateway) }
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(func() {
		p.Stop()
		p.transport.CloseIdleConnections()
	})
	return p
}

func (p *faultProxy) URL() string { return "http://" + p.addr }

func (p *faultProxy) serve(ln net.Listener) {
	srv := &http.Server{Handler: p, ReadHeaderTimeout: 5 * time.Second}
	p.mu.Lock()
	p.srv, p.done = srv, make(chan struct{})
	p.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop closes the listener and every open connection: the backend is
// down (connection refused) until Start.
func (p *faultProxy) Stop() {
	p.mu.Lock()
	srv, done := p.srv, p.done
	p.srv = nil
	p.mu.Unlock()
	if srv != nil {
		close(done)
		_ = srv.Close()
	}
}

// Start listens on the same port again (a restarted server).
func (p *faultProxy) Start(t testing.TB) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Second)
	for {
		ln, err := net.Listen("tcp", p.addr)
		if err == nil {
			p.serve(ln)
			return
		}
		if !errors.Is(err, syscall.EADDRINUSE) || time.Now().After(deadline) {
			t.Fatalf("restarting on %s: %v", p.addr, err)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (p *faultProxy) set(f func(p *faultProxy)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(p)
}

func (p *faultProxy) SetDelay(d time.Duration) { p.set(func(p *faultProxy) { p.delay = d }) }
func (p *faultProxy) SetStatus(s int)          { p.set(func(p *faultProxy) { p.status = s }) }
func (p *faultProxy) SetKeys(ks ...*clerktest.Key) {
	b := clerktest.NewJWKS(ks...).JSON()
	p.set(func(p *faultProxy) { p.jwks = b })
}

// Calls counts the requests whose path ends with suffix.
func (p *faultProxy) Calls(suffix string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	n := 0
	for path, c := range p.calls {
		if strings.HasSuffix(path, suffix) {
			n += c
		}
	}
	return n
}

func (p *faultProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	p.calls[r.URL.Path]++
	delay, status, jwks, done := p.delay, p.status, p.jwks, p.done
	p.mu.Unlock()
	if delay > 0 {
		t := time.NewTimer(delay)
		defer t.Stop()
		select {
		case <-t.C:
		case <-r.Context().Done():
			return
		case <-done:
			return
		}
	}
	switch {
	case status != 0:
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = w.Write([]byte(clerktest.ClerkErrorJSON("unexpected_error", "Unexpected error", "injected fault")))
	case jwks != nil && strings.HasSuffix(r.URL.Path, "/jwks"):
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write(jwks)
	default:
		p.proxy.ServeHTTP(w, r)
	}
}

// faultEnv is a clerkdev instance behind a faultProxy and a client that
// talks to the instance only through the proxy.
type faultEnv struct {
	inst  *clerkdev.Instance
	proxy *faultProxy
	c     *clerk.Client
}

func newFaultEnv(t testing.TB, mod func(*clerk.Options)) *faultEnv {
	t.Helper()
	k, _ := keys(t)
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: k})
	p := newFaultProxy(t, inst.URL())
	s := inst.Settings()
	o := clerk.Options{
		PublishableKey:   s.PublishableKey,
		SecretKey:        s.SecretKey,
		MachineSecretKey: s.MachineSecretKey,
		APIURL:           p.URL(),
		ProxyURL:         s.ProxyURL,
		SignInURL:        s.SignInURL,
		Logger:           slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&o)
	}
	c, err := clerk.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return &faultEnv{inst: inst, proxy: p, c: c}
}

// authWithin authenticates r with a deadline and fails the test if the
// call outlives it by more than slack.
func authWithin(t *testing.T, c *clerk.Client, r *http.Request, deadline time.Duration, opts ...clerk.AuthenticateOption) *clerk.RequestState {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	s := c.Authenticate(ctx, clerk.NewRequest(r), opts...)
	if d := time.Since(start); d > deadline+500*time.Millisecond {
		t.Errorf("Authenticate took %v with a %v deadline", d, deadline)
	}
	return s
}

// protectStatus is the status Protect answers (200 when it lets the
// request through).
func protectStatus(s *clerk.RequestState, opts ...clerk.ProtectOption) int {
	if d := clerk.DecisionFor(s.Auth.Protect(opts...)); d != nil {
		return d.Status
	}
	return http.StatusOK
}

// outages are the ways the Backend API can be unavailable.
var outages = []struct {
	name  string
	apply func(t *testing.T, p *faultProxy)
	undo  func(t *testing.T, p *faultProxy)
}{
	{"connection refused", func(_ *testing.T, p *faultProxy) { p.Stop() }, func(t *testing.T, p *faultProxy) { p.Start(t) }},
	{"503", func(_ *testing.T, p *faultProxy) { p.SetStatus(http.StatusServiceUnavailable) }, func(_ *testing.T, p *faultProxy) { p.SetStatus(0) }},
	{"500", func(_ *testing.T, p *faultProxy) { p.SetStatus(http.StatusInternalServerError) }, func(_ *testing.T, p *faultProxy) { p.SetStatus(0) }},
	{"429", func(_ *testing.T, p *faultProxy) { p.SetStatus(http.StatusTooManyRequests) }, func(_ *testing.T, p *faultProxy) { p.SetStatus(0) }},
	{"slower than the deadline", func(_ *testing.T, p *faultProxy) { p.SetDelay(time.Minute) }, func(_ *testing.T, p *faultProxy) { p.SetDelay(0) }},
}

const app = "http://127.0.0.1:3000/dashboard"

// TestFaultHandshakeNonceBackendDown: when the Backend API cannot resolve
// a handshake nonce, the request is never signed in, the call ends by its
// deadline, and Protect answers 503 rather than a sign-in redirect or a 404
// (design §4.2). The same nonce works once the Backend API is back.
func TestFaultHandshakeNonceBackendDown(t *testing.T) {
	t.Parallel()
	var known []string
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			e := newFaultEnv(t, nil)
			sess, err := e.inst.CreateSession("user_alice")
			if err != nil {
				t.Fatal(err)
			}
			nonce := handshakeNonce(t, e.inst, app, sess.DevBrowser)
			req := func() *http.Request {
				return newRequest(http.MethodGet, app+"?__clerk_handshake_nonce="+nonce,
					map[string]string{"Sec-Fetch-Dest": "document", "Cookie": "__clerk_db_jwt=" + sess.DevBrowser})
			}
			o.apply(t, e.proxy)
			s := authWithin(t, e.c, req(), 500*time.Millisecond)
			if s.IsAuthenticated() {
				t.Fatalf("signed in while the Backend API is down")
			}
			noCRLF(t, "nonce outage", s.Headers)
			if !s.Unavailable() || protectStatus(s) != http.StatusServiceUnavailable {
				known = append(known, fmt.Sprintf("%s: state %s %s (Location %q, Err %v, Unavailable %v), Protect %d",
					o.name, s.Status, s.Reason, s.Location(), s.Err, s.Unavailable(), protectStatus(s)))
			}
			o.undo(t, e.proxy)
			if s := authWithin(t, e.c, req(), 5*time.Second); !s.IsAuthenticated() || s.Auth.UserID != "user_alice" {
				// The outage consumed nothing: clerkdev never saw the
				// nonce unless the call reached it (503s are injected by
				// the proxy).
				t.Errorf("after the outage the nonce does not sign in: %s %s %v", s.Status, s.Reason, s.Err)
			}
		})
	}
	if len(known) > 0 {
		knownIssue(t, "ISSUE-10-NONCE-OUTAGE-NOT-503",
			"a handshake nonce the Backend API could not resolve (outage) gives a plain signed-out state, so Protect redirects to sign-in or answers 404 instead of 503 (handshake.go resolveHandshake logs the callAPI error and drops it):\n%s", strings.Join(known, "\n"))
	}
}

// TestFaultRefreshBackendDown: an expired session with its refresh cookie
// cannot be refreshed while the Backend API is down; the request is not
// signed in, ends by its deadline, and Protect answers 503 (design §4.2:
// an outage must not look like a mass sign-out). Refresh works again once
// the Backend API is back.
func TestFaultRefreshBackendDown(t *testing.T) {
	t.Parallel()
	var known []string
	for _, o := range outages {
		t.Run(o.name, func(t *testing.T) {
			// Networkless keys: only the refresh call needs the Backend API.
			e := newFaultEnv(t, nil)
			e2, err := clerk.New(clerk.Options{PublishableKey: e.inst.PublishableKey(), SecretKey: e.inst.SecretKey(),
				APIURL: e.proxy.URL(), JWTKey: e.inst.PublicKeyPEM(), Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				t.Fatal(err)
			}
			sess, err := e.inst.CreateSession("user_bob", clerkdev.WithLifetime(-time.Minute))
			if err != nil {
				t.Fatal(err)
			}
			req := func() *http.Request {
				r := newRequest(http.MethodGet, app, map[string]string{"Sec-Fetch-Dest": "empty", "Accept": "application/json"})
				for _, ck := range sess.Cookies(false) {
					r.AddCookie(ck)
				}
				return r
			}
			o.apply(t, e.proxy)
			s := authWithin(t, e2, req(), 500*time.Millisecond)
			if s.IsAuthenticated() {
				t.Fatalf("an expired session signed in while the Backend API is down")
			}
			if !strings.HasPrefix(string(s.Reason), "session-token-expired-refresh-") {
				t.Errorf("reason %s, want Clerk's session-token-expired-refresh-<detail>", s.Reason)
			}
			if !s.Unavailable() || protectStatus(s) != http.StatusServiceUnavailable {
				known = append(known, fmt.Sprintf("%s: reason %s, Err %v, Unavailable %v, Protect %d", o.name, s.Reason, s.Err, s.Unavailable(), protectStatus(s)))
			}
			o.undo(t, e.proxy)
			s = authWithin(t, e2, req(), 5*time.Second)
			if !s.IsAuthenticated() || s.Auth.UserID != "user_bob" || len(s.Headers.Values("Set-Cookie")) == 0 {
				t.Errorf("after the outage the refresh does not work: %s %s %v", s.Status, s.Reason, s.Err)
			}
		})
	}
	if len(known) > 0 {
		knownIssue(t, "ISSUE-10-REFRESH-OUTAGE-NOT-503",
			"a session refresh that failed because the Backend API is down gives a signed-out state whose Err is the token-expired error, so Protect answers 404 instead of 503 (authenticate.go handleSessionTokenError drops refresh.go's *APIError):\n%s", strings.Join(known, "\n"))
	}
}

// TestFaultBackendRestartMidTraffic: concurrent clients present session
// tokens and API keys while the Backend API (JWKS and verify endpoints)
// is stopped and restarted on the same port. Session tokens keep working
// from the cached keys; API keys answer 503 during the outage and work
// again after it; no request is decided wrongly and none hangs.
func TestFaultBackendRestartMidTraffic(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, func(o *clerk.Options) { o.MachineTokenCacheTTL = -1 }) // every API key reaches the Backend API
	var sessions []string
	for _, u := range []string{"user_alice", "user_bob", "user_carol"} {
		tok, err := e.inst.MintSessionToken(u, clerkdev.WithLifetime(time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		sessions = append(sessions, tok)
	}
	key, err := e.inst.CreateAPIKey("user_alice", "restart", nil)
	if err != nil {
		t.Fatal(err)
	}
	forged := otherKey.MustSign(clerktest.SessionV2("user_alice", "sess_forged", time.Now(), clerktest.WithIssuer(e.inst.FrontendAPIURL())))
	// Warm the key cache, as a running service has it.
	if s := authWithin(t, e.c, bearer(sessions[0]), 5*time.Second); !s.IsAuthenticated() {
		t.Fatalf("warm-up: %s %s", s.Status, s.Reason)
	}

	var down atomic.Bool
	var (
		mu      sync.Mutex
		tally   = map[string]int{}
		wrong   []string
		slowest time.Duration
	)
	record := func(kind string, s *clerk.RequestState, status int, d time.Duration, wasDown bool) {
		mu.Lock()
		defer mu.Unlock()
		tally[fmt.Sprintf("%s %d", kind, status)]++
		if d > slowest {
			slowest = d
		}
		ok := false
		switch kind {
		case "session":
			ok = status == http.StatusOK
		case "forged":
			// Refused; while the key set cannot be refreshed an unknown kid
			// may be a rotation, so 503 is honest too. Never 200.
			ok = status == http.StatusNotFound || (status == http.StatusServiceUnavailable && s.Unavailable())
		case "api-key":
			ok = status == http.StatusOK || (status == http.StatusServiceUnavailable && s.Unavailable())
		}
		if !ok && len(wrong) < 10 {
			wrong = append(wrong, fmt.Sprintf("%s → %d (%s %s %v, during outage %v)", kind, status, s.Status, s.Reason, s.Err, wasDown))
		}
	}
	ctx, stop := context.WithTimeout(context.Background(), 2500*time.Millisecond)
	defer stop()
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				kind, tok, opts := "session", sessions[(w+i)%len(sessions)], []clerk.ProtectOption(nil)
				switch i % 4 {
				case 1:
					kind, tok, opts = "api-key", key.Token, []clerk.ProtectOption{clerk.AcceptsToken(clerk.APIKey)}
				case 3:
					kind, tok = "forged", forged
				}
				wasDown := down.Load()
				start := time.Now()
				s := authWithin(t, e.c, bearer(tok), time.Second, clerk.AcceptsToken(clerk.AnyToken))
				record(kind, s, protectStatus(s, opts...), time.Since(start), wasDown)
			}
		}(w)
	}
	time.Sleep(500 * time.Millisecond)
	down.Store(true)
	e.proxy.Stop()
	time.Sleep(700 * time.Millisecond)
	e.proxy.Start(t)
	down.Store(false)
	wg.Wait()

	t.Logf("decisions: %v; slowest %v", tally, slowest)
	for _, w := range wrong {
		t.Errorf("wrong decision: %s", w)
	}
	if tally["api-key 503"] == 0 {
		t.Errorf("no API key met the outage: the test did not test it (%v)", tally)
	}
	if s := authWithin(t, e.c, bearer(key.Token), 5*time.Second, clerk.AcceptsToken(clerk.APIKey)); !s.IsAuthenticated() {
		t.Errorf("after the restart an API key is %s %s %v", s.Status, s.Reason, s.Err)
	}
}

func bearer(tok string) *http.Request {
	return newRequest(http.MethodGet, "http://127.0.0.1:3000/api/me", map[string]string{"Authorization": "Bearer " + tok})
}

// TestFaultKeyRotationUnderLoad: concurrent requests while the JWKS
// publishes a new key, tokens move to it, and the old key is removed.
// Tokens of a published key are always accepted, tokens of the removed key
// are refused once the key set has been refreshed, forged tokens never
// pass, and no request waits on the rotation.
func TestFaultKeyRotationUnderLoad(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	newKey := clerktest.MustNewKey()
	const ttl = 150 * time.Millisecond
	c, srv := newClient(t, func(o *clerk.Options) {
		o.Clock = nil // real time: the TTL must pass
		o.JWKSCacheTTL = ttl
		o.JWKSRefreshInterval = 50 * time.Millisecond
		o.Logger = slog.New(slog.DiscardHandler)
	}, k)
	mint := func(key *clerktest.Key, i int) string {
		return key.MustSign(clerktest.SessionV2(fmt.Sprintf("user_%d", i), fmt.Sprintf("sess_%d", i), time.Now(), clerktest.WithExp(time.Hour)))
	}
	var oldToks, newToks []string
	for i := 0; i < 20; i++ {
		oldToks, newToks = append(oldToks, mint(k, i)), append(newToks, mint(newKey, i))
	}
	forged := otherKey.WithKID(newKey.KID()).MustSign(clerktest.SessionV2("user_admin", "sess_x", time.Now()))

	// phase: 0 old key only; 1 both published, tokens still old;
	// 2 both published, tokens new; 3 old key removed.
	var phase atomic.Int32
	var phaseSince atomic.Int64
	setPhase := func(p int32) { phaseSince.Store(time.Now().UnixNano()); phase.Store(p) }
	setPhase(0)
	var wrong atomic.Int32
	var counts [4][2]atomic.Int64 // phase × (accepted, refused)
	// The removed key must be refused once the client holds the key set
	// without it. When that happens is the client's business (a background
	// refresh, on a starved machine late), so the test settles on evidence:
	// after the first refusal of a removed-key token, every verification
	// that starts later must refuse too.
	var refusedAt atomic.Int64
	var settledRefusals atomic.Int64
	ctx, stop := context.WithTimeout(context.Background(), 4*time.Second)
	defer stop()
	var wg sync.WaitGroup
	for w := 0; w < 6; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			for i := 0; ctx.Err() == nil; i++ {
				p := phase.Load()
				begin := time.Now().UnixNano()
				settled := refusedAt.Load() != 0 && begin > refusedAt.Load()
				var tok, want string
				removed := false // a token of the removed key
				switch {
				case i%5 == 4:
					tok, want = forged, "refuse"
				case p <= 1:
					tok, want = oldToks[(w+i)%len(oldToks)], "accept"
				case p == 2:
					tok, want = newToks[(w+i)%len(newToks)], "accept"
				case i%2 == 0:
					tok, want = newToks[(w+i)%len(newToks)], "accept"
				default:
					tok, want, removed = mint(k, 1000+i), "refuse", true // a fresh token of the removed key
					if !settled {
						want = "either"
					} else {
						settledRefusals.Add(1)
					}
				}
				rctx, cancel := context.WithTimeout(ctx, time.Second)
				_, err := c.VerifyToken(rctx, tok)
				cancel()
				if errors.Is(rctx.Err(), context.DeadlineExceeded) && ctx.Err() == nil {
					t.Errorf("a verification waited its whole deadline during the rotation")
				}
				if ctx.Err() != nil {
					return
				}
				accepted := err == nil
				if removed && !accepted {
					// The client no longer holds the old key.
					refusedAt.CompareAndSwap(0, time.Now().UnixNano())
				}
				if accepted {
					counts[p][0].Add(1)
				} else {
					counts[p][1].Add(1)
				}
				if (want == "accept" && !accepted) || (want == "refuse" && accepted) {
					if wrong.Add(1) <= 5 {
						t.Errorf("phase %d: want %s, got err=%v", p, want, err)
					}
				}
			}
		}(w)
	}
	time.Sleep(400 * time.Millisecond)
	srv.SetKeys(k, newKey) // publish the new key
	setPhase(1)
	time.Sleep(3 * ttl)
	setPhase(2) // the issuer signs with the new key
	time.Sleep(800 * time.Millisecond)
	srv.SetKeys(newKey) // retire the old key
	setPhase(3)
	wg.Wait()
	if settledRefusals.Load() == 0 {
		t.Error("phase 3 never settled: no key-set fetch after the old key was removed")
	}
	for p := range counts {
		t.Logf("phase %d: %d accepted, %d refused", p, counts[p][0].Load(), counts[p][1].Load())
		if counts[p][0].Load()+counts[p][1].Load() == 0 {
			t.Errorf("phase %d saw no request", p)
		}
	}
	t.Logf("JWKS fetches: %d", srv.Requests())
	if wrong.Load() > 0 {
		t.Errorf("%d wrong decisions", wrong.Load())
	}
}

// TestFaultSlowBackendBounded: with every Clerk endpoint slower than the
// request's deadline, each kind of call (cold JWKS, handshake nonce,
// session refresh, API key) gives up by the deadline and is not signed
// in; the same holds with no deadline but an HTTP client timeout.
func TestFaultSlowBackendBounded(t *testing.T) {
	t.Parallel()
	e := newFaultEnv(t, func(o *clerk.Options) { o.MachineTokenCacheTTL = -1 })
	sess, err := e.inst.CreateSession("user_alice", clerkdev.WithLifetime(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	fresh, err := e.inst.MintSessionToken("user_alice", clerkdev.WithLifetime(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	key, err := e.inst.CreateAPIKey("user_alice", "slow", nil)
	if err != nil {
		t.Fatal(err)
	}
	e.proxy.SetDelay(time.Minute)
	// client builds the client of a case: keys from the slow JWKS for the
	// cold-JWKS case, networkless otherwise (so that the call under test is
	// the one that meets the slow Backend API).
	client := func(jwks bool, hc *http.Client) *clerk.Client {
		o := clerk.Options{PublishableKey: e.inst.PublishableKey(), SecretKey: e.inst.SecretKey(), APIURL: e.proxy.URL(),
			MachineTokenCacheTTL: -1, Logger: slog.New(slog.DiscardHandler), HTTPClient: hc}
		if !jwks {
			o.JWTKey = e.inst.PublicKeyPEM()
		}
		c, err := clerk.New(o)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	refresh := func() *http.Request {
		r := newRequest(http.MethodGet, app, map[string]string{"Accept": "application/json"})
		for _, ck := range sess.Cookies(false) {
			r.AddCookie(ck)
		}
		return r
	}
	cases := []struct {
		name string
		req  func() *http.Request
		acc  clerk.AuthenticateOption
	}{
		{"cold JWKS", func() *http.Request { return bearer(fresh) }, nil},
		{"handshake nonce", func() *http.Request {
			return newRequest(http.MethodGet, app+"?__clerk_handshake_nonce=n", map[string]string{"Cookie": "__clerk_db_jwt=" + sess.DevBrowser})
		}, nil},
		{"refresh", refresh, nil},
		{"API key", func() *http.Request { return bearer(key.Token) }, clerk.AcceptsToken(clerk.APIKey)},
	}
	// With neither a request deadline nor an HTTP client timeout, each call
	// still ends: the core bounds its own calls (DefaultHTTPTimeout for the
	// Backend API, the JWKS fetch's own budget). The cases run side by side.
	var wg sync.WaitGroup
	for _, tc := range cases {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := client(tc.name == "cold JWKS", &http.Client{})
			done := make(chan *clerk.RequestState, 1)
			start := time.Now()
			go func() { done <- c.Authenticate(context.Background(), clerk.NewRequest(tc.req()), optsOf(tc.acc)...) }()
			select {
			case s := <-done:
				if s.IsAuthenticated() {
					t.Errorf("%s (no timeout anywhere): signed in", tc.name)
				}
				t.Logf("%s (no timeout anywhere): %s %s after %v", tc.name, s.Status, s.Reason, time.Since(start).Round(time.Millisecond))
			case <-time.After(45 * time.Second):
				t.Errorf("%s: Authenticate still blocked after 45 s with no request deadline and no HTTP client timeout", tc.name)
			}
		}()
	}
	wg.Wait()
	for _, tc := range cases {
		for _, mode := range []string{"request deadline", "HTTP client timeout"} {
			deadline, hc := 300*time.Millisecond, (*http.Client)(nil)
			if mode == "HTTP client timeout" {
				// No useful deadline: the client's own timeout must end it.
				deadline, hc = 10*time.Second, &http.Client{Timeout: 300 * time.Millisecond}
			}
			c := client(tc.name == "cold JWKS", hc)
			start := time.Now()
			s := authWithin(t, c, tc.req(), deadline, tc.acc)
			d := time.Since(start)
			if s.IsAuthenticated() {
				t.Errorf("%s (%s): signed in", tc.name, mode)
			}
			// The JWKS fetch retries 5 times (spec §2.3), each attempt
			// bounded by the HTTP client's timeout.
			if mode == "HTTP client timeout" && d > 7*time.Second {
				t.Errorf("%s (%s): took %v", tc.name, mode, d)
			}
			t.Logf("%s (%s): %s %s after %v", tc.name, mode, s.Status, s.Reason, d.Round(time.Millisecond))
		}
	}
}

// optsOf is the variadic form of an optional Authenticate option.
func optsOf(o clerk.AuthenticateOption) []clerk.AuthenticateOption {
	if o == nil {
		return nil
	}
	return []clerk.AuthenticateOption{o}
}

// TestFaultBackgroundRefreshEnds: a background key refresh started while
// the JWKS endpoint is down (refused connections, then a server that
// accepts and never answers, with a 200 ms HTTP client timeout) finishes
// by itself. Not parallel: it looks for key fetches in every goroutine.
func TestFaultBackgroundRefreshEnds(t *testing.T) {
	k, _ := keys(t)
	for _, mode := range []string{"refused", "black hole"} {
		t.Run(mode, func(t *testing.T) {
			waitNoFetch(t)
			inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: k})
			p := newFaultProxy(t, inst.URL())
			clock := clerktest.NewClock(time.Now())
			c, err := clerk.New(clerk.Options{PublishableKey: inst.PublishableKey(), SecretKey: inst.SecretKey(), APIURL: p.URL(),
				Clock: clock.Now, JWKSCacheTTL: time.Minute, Logger: slog.New(slog.DiscardHandler),
				HTTPClient: &http.Client{Timeout: 200 * time.Millisecond}})
			if err != nil {
				t.Fatal(err)
			}
			tok, err := inst.MintSessionToken("user_alice", clerkdev.WithLifetime(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if s := authWithin(t, c, bearer(tok), 5*time.Second); !s.IsAuthenticated() {
				t.Fatalf("warm-up: %s %s", s.Status, s.Reason)
			}
			if mode == "refused" {
				p.Stop()
			} else {
				p.SetDelay(time.Hour)
			}
			clock.Advance(2 * time.Minute)
			// A second token (not in the verified-token cache) asks the
			// key source, which serves the stale key and refreshes in the
			// background.
			tok2, err := inst.MintSessionToken("user_bob", clerkdev.WithLifetime(24*time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if s := authWithin(t, c, bearer(tok2), time.Second); !s.IsAuthenticated() {
				t.Fatalf("stale key not served during the outage: %s %s %v", s.Status, s.Reason, s.Err)
			}
			start := time.Now()
			for refreshRunning() {
				if time.Since(start) > 8*time.Second {
					t.Fatalf("the background key refresh is still running %v after the outage began", time.Since(start))
				}
				time.Sleep(20 * time.Millisecond)
			}
			t.Logf("background refresh ended %v after the request that started it", time.Since(start).Round(10*time.Millisecond))
		})
	}
}

// refreshRunning reports whether any goroutine is in a key fetch of the
// core (jwks.go's remoteKeys.run).
func refreshRunning() bool {
	buf := make([]byte, 1<<20)
	for {
		n := runtime.Stack(buf, true)
		if n < len(buf) {
			return bytes.Contains(buf[:n], []byte("core.(*remoteKeys).run("))
		}
		buf = make([]byte, 2*len(buf))
	}
}

// TestFaultAbandonedKeyFetch: when every caller waiting for a key fetch
// has given up (its deadline passed), the fetch stops too, within a second,
// instead of running on for the HTTP client's timeout per attempt and the
// fetch's 15 s budget (background refreshes end with Client.Close). Not
// parallel: it looks for key fetches in every goroutine.
func TestFaultAbandonedKeyFetch(t *testing.T) {
	k, _ := keys(t)
	waitNoFetch(t)
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: k})
	p := newFaultProxy(t, inst.URL())
	p.SetDelay(time.Hour) // accepts, never answers
	c, err := clerk.New(clerk.Options{PublishableKey: inst.PublishableKey(), SecretKey: inst.SecretKey(), APIURL: p.URL(),
		Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := inst.MintSessionToken("user_alice")
	if err != nil {
		t.Fatal(err)
	}
	if s := authWithin(t, c, bearer(tok), 200*time.Millisecond); s.IsAuthenticated() || !s.Unavailable() {
		t.Fatalf("state %s %s, want an unavailable signed-out state", s.Status, s.Reason)
	}
	deadline := time.Now().Add(time.Second)
	for refreshRunning() {
		if time.Now().After(deadline) {
			// Stopping the proxy ends the hung attempt; the retries
			// against the closed port end within seconds (TestMain waits).
			knownIssue(t, "ISSUE-10-DETACHED-KEY-FETCH",
				"a JWKS fetch whose every caller gave up 1s ago is still running")
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// waitNoFetch waits for key fetches left by earlier tests to end.
func waitNoFetch(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(8 * time.Second)
	for refreshRunning() {
		if time.Now().After(deadline) {
			t.Fatal("a key fetch of an earlier test is still running after 8s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
