package clerk_test

import (
	"bufio"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// TestInteropJWKS is the differential test of the remote key path: no
// JWTKey, so both SDKs fetch the key set from the Backend API, here a
// loopback httptest server of the case's own that answers one way (a good
// key set, a 5xx with or without a JSON error, a 2xx that is not JSON, a
// closed port, a hang-up, Clerk's clerk_key_invalid, a key set without
// keys), and then verify a token whose header Clerk treats specially (no
// kid, a numeric typ, RS384/RS512 against an RS256 key). Clerk's answer
// comes from @clerk/backend's authenticateRequest (interop/jwks.mjs, under
// node); ours from Client.Authenticate; status, reason, message, token, the
// x-clerk-auth-* and other response headers, Set-Cookie and the auth fields
// must agree (compareResults of TestInteropAuthenticate), and the first
// JWKS request of both must carry the same path, Authorization and
// Clerk-API-Version.
//
// It also sends requests with several Cookie header lines: to Clerk as raw
// HTTP through node:http, which joins them with "; " before Clerk sees them
// (the test checks the header Clerk got); to us as net/http parses the same
// raw request, several values of one header (the test checks that the
// request it hands to Authenticate has exactly those); both must read the
// same cookies.
//
// Every case has its own server and its own Client (and, in node, its own
// JWKS cache, which Clerk keys by apiUrl), so the cases run concurrently:
// both SDKs retry a failing fetch with backoff for about two seconds.
// Run it with `make interop`, or:
//
//	cd interop && npm ci && cd ../core && CLERKGUARD_INTEROP=1 go test -run TestInteropJWKS -v .
func TestInteropJWKS(t *testing.T) {
	script := clerk.InteropScript(t, "jwks.mjs", "backend")
	start := time.Now()

	g := newJWKSCorpus(t)
	corpus := g.build()

	var theirs struct {
		Node    string `json:"node"`
		Results []struct {
			ioResult
			CookieHeader string `json:"cookieHeader"`
		} `json:"results"`
	}
	// Ours, every case concurrently, while node runs Clerk's.
	gots := make([]*ioResult, len(corpus.Cases))
	clerk.RunInterop(t, script, corpus, &theirs, func() {
		var wg sync.WaitGroup
		for i, c := range corpus.Cases {
			wg.Go(func() { gots[i] = ours(c.client, &c.ioCase) })
		}
		wg.Wait()
	})
	if len(theirs.Results) != len(corpus.Cases) {
		t.Fatalf("node answered %d cases, corpus has %d", len(theirs.Results), len(corpus.Cases))
	}

	var failures []string
	outcomes := map[string]int{}
	allowed := map[string]int{}
	var attempts []string
	for i, c := range corpus.Cases {
		want, got := &theirs.Results[i].ioResult, gots[i]
		if want.ID != c.ID {
			t.Fatalf("result %d is for %q, want %q", i, want.ID, c.ID)
		}
		if want.Threw != "" {
			outcomes["throws: "+want.Threw]++
		} else {
			outcomes[want.Status+" "+want.Reason]++
		}
		fail := func(format string, args ...any) {
			failures = append(failures, fmt.Sprintf("%s (%s): ", c.ID, c.about)+fmt.Sprintf(format, args...))
		}
		// The scenario must still be the one it is named for: Clerk's own
		// answer is pinned, so a case whose server or token no longer
		// reaches the intended path fails instead of agreeing on something
		// else.
		if n, g := c.srv.attempts(); n != g {
			attempts = append(attempts, fmt.Sprintf("%s: Clerk %d, ours %d", c.ID, n, g))
		}
		if (want.Status + " " + want.Reason) != c.wantReason {
			fail("Clerk answered %s %s (threw %q), the case expects %s: the scenario no longer exercises what it is named for", want.Status, want.Reason, want.Threw, c.wantReason)
		}
		if c.NodeHTTP {
			if theirs.Results[i].CookieHeader != c.wantCookie {
				fail("Clerk saw the Cookie header %q, want %q", theirs.Results[i].CookieHeader, c.wantCookie)
			}
			if msg := sameAsNetHTTP(&c.ioCase); msg != "" {
				fail("%s", msg)
			}
		}
		diffs, div := compareResults(want, got)
		diffs = append(diffs, c.srv.compareCalls()...)
		if div != "" {
			// compareResults names "throws" or "malformed-claims" when Clerk
			// throws; no case of this test expects that.
			fail("Clerk's answer needs the divergence %q, which no case here allows: Clerk threw %q %q; ours %s %s %q (err %v)",
				div, want.Threw, want.AuthThrew, got.Status, got.Reason, got.Message, got.err)
			continue
		}
		if c.divergence != "" {
			if _, ok := jwksDivergences[c.divergence]; !ok {
				t.Fatalf("case %s names an unknown divergence %q", c.ID, c.divergence)
			}
			allowed[c.divergence]++
			continue
		}
		if len(diffs) > 0 {
			fail("\n    %s", strings.Join(diffs, "\n    "))
		}
	}

	keys := make([]string, 0, len(outcomes))
	for k := range outcomes {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var summary strings.Builder
	for _, k := range keys {
		fmt.Fprintf(&summary, "  Clerk's answers: %3d  %s\n", outcomes[k], k)
	}
	if len(attempts) > 0 {
		fmt.Fprintf(&summary, "  JWKS requests that differ in number (not compared: Clerk retries every failure, clerkguard only network errors, 5xx and 429):\n    %s\n", strings.Join(attempts, "\n    "))
	}
	for k, n := range allowed {
		fmt.Fprintf(&summary, "  allowed divergence %q (%d cases): %s\n", k, n, jwksDivergences[k])
	}
	t.Logf("node %s: compared %d requests over %d JWKS scenarios with @clerk/backend in %v, %d disagreements\n%s",
		theirs.Node, len(corpus.Cases), g.scenarios, time.Since(start).Round(time.Millisecond), len(failures), summary.String())
	fmt.Printf("interop: compared %d JWKS requests with @clerk/backend: %d disagreements\n", len(corpus.Cases), len(failures))
	for i, f := range failures {
		if i == 30 {
			t.Errorf("... and %d more", len(failures)-30)
			break
		}
		t.Error(f)
	}
}

// sameAsNetHTTP checks that the request ours() builds for ic has the
// Cookie lines net/http's server parses from the same request sent as raw
// HTTP/1.1.
func sameAsNetHTTP(ic *ioCase) string {
	u, err := url.Parse(ic.URL)
	if err != nil {
		return err.Error()
	}
	var raw strings.Builder
	fmt.Fprintf(&raw, "%s %s HTTP/1.1\r\n", ic.Method, u.RequestURI())
	for _, h := range ic.Headers {
		fmt.Fprintf(&raw, "%s: %s\r\n", h[0], h[1])
	}
	raw.WriteString("\r\n")
	parsed, err := http.ReadRequest(bufio.NewReader(strings.NewReader(raw.String())))
	if err != nil {
		return "net/http cannot parse the raw request: " + err.Error()
	}
	if want, got := parsed.Header.Values("Cookie"), goRequest(ic).Header.Values("Cookie"); !slices.Equal(want, got) {
		return fmt.Sprintf("net/http parses the Cookie lines as %q, the test hands Authenticate %q", want, got)
	}
	return ""
}

// jwksDivergences are the only answers of this test allowed to differ from
// Clerk's, with the reason; none today.
var jwksDivergences = map[string]string{}

// jwksCorpus is what interop/jwks.mjs reads.
type jwksCorpus struct {
	Now   int64        `json:"now"` // Unix milliseconds
	Cases []*jwksCaseT `json:"cases"`
}

// jwksCaseT is one request against one JWKS server.
type jwksCaseT struct {
	ioCase
	PublishableKey string `json:"publishableKey"`
	SecretKey      string `json:"secretKey"`
	APIURL         string `json:"apiUrl"`
	NodeHTTP       bool   `json:"nodeHTTP,omitempty"` // sent to node as raw HTTP through node:http

	about      string // what the case is about, for the failure messages
	wantReason string // Clerk's status and reason the case is built for
	wantCookie string // for NodeHTTP cases: the Cookie header Clerk must see (the lines joined with "; ")
	client     *clerk.Client
	srv        *jwksServer
}

// jwksServer is one case's Backend API: GET /v1/jwks answers as the
// scenario says; every request is recorded by side (clerkguard's
// User-Agent, or node).
type jwksServer struct {
	url    string
	answer jwksAnswer
	mu     sync.Mutex
	calls  map[string][]http.Header // "go" or "node" -> the headers of each /v1/jwks request
	paths  map[string][]string
}

// jwksAnswer is how a scenario's server answers.
type jwksAnswer struct {
	status      int
	body        string
	contentType string
	hangUp      bool // close the connection without an answer
	closed      bool // no server: a loopback port that refuses connections
}

func (s *jwksServer) serve(w http.ResponseWriter, r *http.Request) {
	side := "node"
	if strings.HasPrefix(r.UserAgent(), "clerkguard/") {
		side = "go"
	}
	s.mu.Lock()
	s.calls[side] = append(s.calls[side], r.Header.Clone())
	s.paths[side] = append(s.paths[side], r.Method+" "+r.URL.Path)
	s.mu.Unlock()
	if s.answer.hangUp {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	ct := s.answer.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(s.answer.status)
	_, _ = io.WriteString(w, s.answer.body)
}

// attempts is how many JWKS requests each side made.
func (s *jwksServer) attempts() (node, ours int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.calls["node"]), len(s.calls["go"])
}

// compareCalls checks that both sides asked for the key set the same way.
// The number of attempts is not compared: Clerk retries every failure five
// times, clerkguard only network failures, 5xx and 429.
func (s *jwksServer) compareCalls() []string {
	if s.answer.closed {
		return nil
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	n, g := s.calls["node"], s.calls["go"]
	if len(n) == 0 || len(g) == 0 {
		// Neither needed the keys (a handshake answered first), or only one.
		if len(n) != len(g) {
			return []string{fmt.Sprintf("JWKS requests: Clerk %d, ours %d", len(n), len(g))}
		}
		return nil
	}
	var d []string
	if s.paths["node"][0] != s.paths["go"][0] {
		d = append(d, fmt.Sprintf("JWKS request: Clerk %q, ours %q", s.paths["node"][0], s.paths["go"][0]))
	}
	for _, h := range []string{"Authorization", "Clerk-API-Version"} {
		if n[0].Get(h) != g[0].Get(h) {
			d = append(d, fmt.Sprintf("JWKS request header %s: Clerk %q, ours %q", h, n[0].Get(h), g[0].Get(h)))
		}
	}
	return d
}

// jwksGen builds the corpus: scenarios (server answers) times tokens.
type jwksGen struct {
	t          *testing.T
	key, other *clerktest.Key
	now        time.Time
	cases      []*jwksCaseT
	scenarios  int
}

func newJWKSCorpus(t *testing.T) *jwksGen {
	return &jwksGen{t: t, key: clerktest.MustNewKey(), other: clerktest.MustNewKey(), now: time.Unix(1_760_000_000, 0)}
}

// jwksInstance is an application: a publishable key and where it runs.
type jwksInstance struct {
	name, pk, skPrefix, iss, origin string
}

var (
	jwksProd = jwksInstance{"prod", clerktest.LivePublishableKey(prodFAPI), "sk_live_", "https://" + prodFAPI, "https://app.example.com"}
	jwksDev  = jwksInstance{"dev", clerktest.PublishableKey(devFAPI), "sk_test_", "https://" + devFAPI, "http://localhost:3000"}
)

// jwksReq is the request of a case: a bearer token from a script, the
// session cookies of a page load, or a handshake.
type jwksReq int

const (
	viaBearer jwksReq = iota
	viaCookie
	viaHandshake
)

func (g *jwksGen) session(inst jwksInstance, opts ...clerktest.ClaimOption) map[string]any {
	return clerktest.SessionV2(ioUser, "sess_2jwks", g.now, append([]clerktest.ClaimOption{clerktest.WithIssuer(inst.iss)}, opts...)...)
}

func (g *jwksGen) server(a jwksAnswer) *jwksServer {
	s := &jwksServer{answer: a, calls: map[string][]http.Header{}, paths: map[string][]string{}}
	if a.closed {
		// A loopback port with no listener, so the connection is refused,
		// that nothing else can listen on while the test runs: it is the
		// local end of a connection the test holds open (a port merely
		// listened on and closed can be handed to the next server that
		// asks for one, in this process or another).
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			g.t.Fatal(err)
		}
		defer l.Close()
		held, err := net.Dial("tcp", l.Addr().String())
		if err != nil {
			g.t.Fatal(err)
		}
		g.t.Cleanup(func() { held.Close() })
		other, err := l.Accept()
		if err != nil {
			g.t.Fatal(err)
		}
		g.t.Cleanup(func() { other.Close() })
		s.url = "http://" + held.LocalAddr().String()
		if probe, err := net.DialTimeout("tcp", held.LocalAddr().String(), time.Second); err == nil {
			probe.Close()
			g.t.Fatalf("%s accepts connections; the unreachable scenario needs a refused port", s.url)
		}
		return s
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	g.t.Cleanup(srv.Close)
	s.url = srv.URL
	return s
}

// add makes one case: its own server answering a, its own Client.
func (g *jwksGen) add(scenario string, a jwksAnswer, inst jwksInstance, name string, via jwksReq, token string, wantReason string) *jwksCaseT {
	if wantReason == "" {
		g.t.Fatalf("case %s/%s/%s: no expected answer of Clerk's", scenario, inst.name, name)
	}
	srv := g.server(a)
	id := fmt.Sprintf("%03d-%s/%s/%s", len(g.cases)+1, scenario, inst.name, name)
	c := &jwksCaseT{
		ioCase:         ioCase{ID: id, Instance: inst.name, Method: "GET"},
		PublishableKey: inst.pk,
		SecretKey:      inst.skPrefix + fmt.Sprintf("jwks%036d", len(g.cases)+1),
		APIURL:         srv.url,
		about:          fmt.Sprintf("JWKS %s, %s instance, token %s", scenario, inst.name, name),
		wantReason:     wantReason,
		srv:            srv,
	}
	host := strings.TrimPrefix(strings.TrimPrefix(inst.origin, "https://"), "http://")
	switch via {
	case viaBearer:
		c.URL = inst.origin + "/api/items"
		c.Headers = [][2]string{{"host", host}, {"accept", "*/*"}, {"sec-fetch-dest", "empty"}, {"authorization", "Bearer " + token}}
	case viaCookie:
		c.URL = inst.origin + "/dashboard"
		c.Headers = [][2]string{{"host", host}, {"accept", "text/html"}, {"sec-fetch-dest", "document"},
			{"cookie", "__session=" + token + "; __client_uat=" + g.uat()}}
	case viaHandshake:
		hs := g.key.MustSign(map[string]any{"handshake": []string{
			"__session=" + token + "; Path=/; Secure; SameSite=Lax",
			"__client_uat=" + g.uat() + "; Path=/; Secure; SameSite=Lax",
		}})
		c.URL = inst.origin + "/dashboard?__clerk_handshake=" + hs
		c.Headers = [][2]string{{"host", host}, {"accept", "text/html"}, {"sec-fetch-dest", "document"}}
	}
	cl, err := clerk.New(clerk.Options{
		PublishableKey: inst.pk, SecretKey: c.SecretKey, APIURL: srv.url,
		Clock:  func() time.Time { return g.now },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	})
	if err != nil {
		g.t.Fatalf("case %s: %v", id, err)
	}
	g.t.Cleanup(cl.Close)
	c.client = cl
	g.cases = append(g.cases, c)
	return c
}

func (g *jwksGen) uat() string { return fmt.Sprint(g.now.Add(-time.Minute).Unix()) }

func (g *jwksGen) build() *jwksCorpus {
	key, prod, dev := g.key, jwksProd, jwksDev
	valid := func(inst jwksInstance) string { return key.MustSign(g.session(inst)) }
	good := jwksAnswer{status: 200, body: string(clerktest.NewJWKS(key).JSON())}

	// A good key set, and tokens that name no key or another one, or whose
	// header Clerk reads its own way.
	const (
		signedIn  = "signed-in "
		kidMissed = "signed-out jwk-kid-mismatch"
		invalid   = "signed-out token-invalid"
		sigFailed = "signed-out token-verification-failed"
	)
	g.scenarios++
	for _, inst := range []jwksInstance{prod, dev} {
		s := func(opts ...clerktest.TokenOption) string { return key.MustSign(g.session(inst), opts...) }
		g.add("ok", good, inst, "valid", viaBearer, valid(inst), signedIn)
		g.add("ok", good, inst, "expired", viaBearer,
			key.MustSign(g.session(inst, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))), "signed-out session-token-expired-refresh-non-eligible-no-refresh-cookie")
		g.add("ok", good, inst, "no-kid", viaBearer, s(clerktest.WithoutHeader("kid")), kidMissed)
		g.add("ok", good, inst, "other-key", viaBearer, g.other.MustSign(g.session(inst)), kidMissed)
		g.add("ok", good, inst, "typ-number", viaBearer, s(clerktest.WithHeader("typ", 1)), invalid)
		g.add("ok", good, inst, "rs384", viaBearer, s(clerktest.WithAlg("RS384")), sigFailed)
		g.add("ok", good, inst, "rs512", viaBearer, s(clerktest.WithAlg("RS512")), sigFailed)
	}
	g.add("ok", good, prod, "kid-number", viaBearer, key.MustSign(g.session(prod), clerktest.WithHeader("kid", 7)), kidMissed)
	g.add("ok", good, prod, "typ-string-number", viaBearer, key.MustSign(g.session(prod), clerktest.WithHeader("typ", "1")), invalid)
	g.add("ok", good, prod, "cookie-valid", viaCookie, valid(prod), signedIn)
	g.add("ok", good, prod, "cookie-no-kid", viaCookie, key.MustSign(g.session(prod), clerktest.WithoutHeader("kid")), kidMissed)
	g.add("ok", good, prod, "cookie-rs512", viaCookie, key.MustSign(g.session(prod), clerktest.WithAlg("RS512")), sigFailed)
	g.add("ok", good, prod, "handshake", viaHandshake, valid(prod), signedIn)

	// A key set whose only key has no alg.
	g.scenarios++
	noAlg := jwksAnswer{status: 200, body: strings.Replace(good.body, `"alg":"RS256",`, "", 1)}
	if noAlg.body == good.body {
		g.t.Fatalf("the JWKS has no \"alg\":\"RS256\", to remove: %s", good.body)
	}
	g.add("key-without-alg", noAlg, prod, "valid", viaBearer, valid(prod), signedIn)
	g.add("key-without-alg", noAlg, prod, "rs512", viaBearer, key.MustSign(g.session(prod), clerktest.WithAlg("RS512")), signedIn)

	// The Backend API fails. Clerk throws a non-token error for the ones
	// that are not a Clerk answer (unreachable, a body that is not JSON)
	// and reports unexpected-error with no message.
	failures := []struct {
		name   string
		a      jwksAnswer
		reason string
	}{
		{"unreachable", jwksAnswer{closed: true}, "signed-out unexpected-error"},
		{"hang-up", jwksAnswer{hangUp: true}, "signed-out unexpected-error"},
		{"500-text", jwksAnswer{status: 500, body: "oops", contentType: "text/plain"}, "signed-out unexpected-error"},
		{"502-html", jwksAnswer{status: 502, body: "<html><body>Bad gateway</body></html>", contentType: "text/html"}, "signed-out unexpected-error"},
		{"200-not-json", jwksAnswer{status: 200, body: "{not json"}, "signed-out unexpected-error"},
		{"500-json", jwksAnswer{status: 500, body: clerktest.ClerkErrorJSON("internal_clerk_error", "Oops", "Something went wrong")}, "signed-out jwk-remote-failed-to-load"},
		{"429-json", jwksAnswer{status: 429, body: clerktest.ClerkErrorJSON("too_many_requests", "Too many requests", "Slow down")}, "signed-out jwk-remote-failed-to-load"},
		{"401-json", jwksAnswer{status: 401, body: clerktest.ClerkErrorJSON("authentication_invalid", "Unauthorized", "Invalid authentication")}, "signed-out jwk-remote-failed-to-load"},
		{"401-clerk_key_invalid", jwksAnswer{status: 401, body: clerktest.ClerkErrorJSON("clerk_key_invalid", "Secret key invalid", "The provided secret key is invalid")}, "signed-out secret-key-invalid"},
		{"keys-empty", jwksAnswer{status: 200, body: `{"keys":[]}`}, "signed-out jwk-remote-failed-to-load"},
		{"keys-object", jwksAnswer{status: 200, body: `{"keys":{}}`}, "signed-out jwk-remote-failed-to-load"},
		{"keys-missing", jwksAnswer{status: 200, body: `{}`}, "signed-out jwk-remote-failed-to-load"},
	}
	for _, f := range failures {
		g.scenarios++
		g.add(f.name, f.a, prod, "valid", viaBearer, valid(prod), f.reason)
	}
	// The same failures on a page load and for a development instance.
	for _, f := range failures {
		switch f.name {
		case "unreachable", "500-text", "500-json", "401-clerk_key_invalid", "keys-object":
			g.add(f.name, f.a, prod, "cookie-valid", viaCookie, valid(prod), f.reason)
			g.add(f.name, f.a, prod, "handshake", viaHandshake, valid(prod), "signed-out session-token-and-uat-missing")
			g.add(f.name, f.a, dev, "valid", viaBearer, valid(dev), f.reason)
		}
	}

	// Several Cookie lines, as raw HTTP: node:http joins them with "; ".
	tok, expired := valid(prod), key.MustSign(g.session(prod, clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute)))
	host := strings.TrimPrefix(prod.origin, "https://")
	lines := func(name, want string, cookies ...string) {
		c := g.add("ok", good, prod, name, viaCookie, tok, want)
		c.NodeHTTP = true
		c.Headers = [][2]string{{"host", host}, {"accept", "text/html"}, {"sec-fetch-dest", "document"}}
		for _, ck := range cookies {
			c.Headers = append(c.Headers, [2]string{"cookie", ck})
		}
		c.wantCookie = strings.Join(cookies, "; ")
	}
	lines("cookie-lines-2", signedIn, "__session="+tok, "__client_uat="+g.uat())
	lines("cookie-lines-3", signedIn, "theme=dark", "__client_uat="+g.uat()+"; a=b", "__session="+tok)
	lines("cookie-lines-first-wins", signedIn, "__session="+tok+"; __client_uat="+g.uat(), "__session="+expired)
	lines("cookie-lines-first-stale", "handshake session-token-iat-before-client-uat", "__session="+expired+"; __client_uat="+g.uat(), "__session="+tok)
	lines("cookie-lines-uat-0", "handshake session-token-but-no-client-uat", "__session="+tok, "__client_uat=0")

	corpus := &jwksCorpus{Now: g.now.UnixMilli()}
	corpus.Cases = g.cases
	return corpus
}
