// Package soak holds clerkguard's soak test (issue 10): mixed traffic from
// concurrent clients against the chi example's application
// (examples/internal/chiapp, what examples/chi serves) on loopback, with an
// offline Clerk development instance (clerkdev) as the backend, key
// rotations and a JWKS outage in the middle. It runs only with
// CLERKGUARD_SOAK=1 (make soak).
package soak

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
	"github.com/clerkguard/clerkguard/examples/internal/chiapp"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

// Bounds: the run stops at whichever comes first; CLERKGUARD_SOAK_DURATION
// and CLERKGUARD_SOAK_REQUESTS change them.
const (
	defaultDuration = 60 * time.Second
	defaultRequests = 2_000_000
	workers         = 16
	// maxJWKSTTL is the key cache TTL of runs of a minute or more: short, so
	// rotations and the outage matter. Shorter runs scale it down.
	maxJWKSTTL = 2 * time.Second
	// failureBackoff is core's: how long a failed key fetch answers for
	// the next callers (core/jwks.go).
	failureBackoff = 2 * time.Second
	// heapBound is a generous bound on heap growth over the run.
	heapBound = 128 << 20
)

// keyTiming is the key cache TTL and refresh interval of a run of the
// given duration, and settle, how long after a key-set change every path
// has seen it: the TTL (or after an outage the failure backoff), then a
// background refresh started by the next request that asks the key source.
// A 60 s run has a 2 s TTL and a 5 s settle; a 15 s run 0.5 s and 3 s.
func keyTiming(duration time.Duration) (ttl, refreshInterval, settle time.Duration) {
	ttl = min(maxJWKSTTL, max(duration/30, 250*time.Millisecond))
	return ttl, ttl / 4, max(2*ttl, failureBackoff) + time.Second
}

// The timeline, as fractions of the run.
const (
	atPublishNewKey = 0.20 // JWKS {k1, k2}; clients send k2 tokens once it settled
	atOutageStart   = 0.45 // JWKS answers 503
	atOutageEnd     = 0.60
	atRetireOldKey  = 0.75 // JWKS {k2}: tokens of k1 must stop working
)

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil && d > 0 {
			return d
		}
	}
	return def
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
	}
	return def
}

// keyProxy sits between the client and clerkdev: it serves a replaced key
// set (clerkdev signs with one key and cannot rotate) and fails the JWKS
// endpoint on demand.
type keyProxy struct {
	proxy *httputil.ReverseProxy
	mu    sync.Mutex
	jwks  []byte // nil: clerkdev's own key set
	down  bool
	jwksN atomic.Int64
}

func (p *keyProxy) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if strings.HasSuffix(r.URL.Path, "/jwks") {
		p.jwksN.Add(1)
		p.mu.Lock()
		jwks, down := p.jwks, p.down
		p.mu.Unlock()
		if down {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusServiceUnavailable)
			_, _ = w.Write([]byte(clerktest.ClerkErrorJSON("unexpected_error", "Unexpected error", "soak: JWKS outage")))
			return
		}
		if jwks != nil {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(jwks)
			return
		}
	}
	p.proxy.ServeHTTP(w, r)
}

// kind is one kind of request of the mix, with what it must get.
type kind struct {
	name    string
	weight  int
	from    float64 // sent only from this point of the run
	request func(base string, i int) *http.Request
	// allowed is the set of statuses that are right at a point of the run
	// (a fraction); on 200, wantUser, when set, must be the body's userId
	// and wantBody, when set, in the body (the HTML pages').
	allowed  func(at float64) []int
	wantUser string
	wantBody string
}

// window is a decision that may go either way while a change settles.
func window(at, change float64, settleFrac float64, before, after []int) []int {
	switch {
	case at < change:
		return before
	case at < change+settleFrac:
		return append(slices.Clone(before), after...)
	}
	return after
}

func always(s ...int) func(float64) []int { return func(float64) []int { return s } }

// histogram counts latencies: 10 µs buckets below 10 ms, 1 ms buckets
// up to 10 s, so memory stays flat however long the run.
type histogram [1000 + 10000]uint64

func (h *histogram) add(d time.Duration) {
	switch {
	case d < 10*time.Millisecond:
		h[d/(10*time.Microsecond)]++
	case d < 10*time.Second:
		h[1000+d/time.Millisecond]++
	default:
		h[len(h)-1]++
	}
}

func (h *histogram) merge(o *histogram) {
	for i := range h {
		h[i] += o[i]
	}
}

// percentile is the upper edge of the bucket holding the p-th latency.
func (h *histogram) percentile(p float64) time.Duration {
	var total uint64
	for _, n := range h {
		total += n
	}
	want := uint64(p * float64(total))
	var seen uint64
	for i, n := range h {
		seen += n
		if n > 0 && seen > want || seen == total && n > 0 {
			if i < 1000 {
				return time.Duration(i+1) * 10 * time.Microsecond
			}
			return time.Duration(i-1000+1) * time.Millisecond
		}
	}
	return 0
}

// stats is one worker's tally, merged at the end.
type stats struct {
	byKind []map[int]int
	lat    histogram
	n      int
}

func TestSoak(t *testing.T) {
	if os.Getenv("CLERKGUARD_SOAK") != "1" {
		t.Skip("soak test: set CLERKGUARD_SOAK=1 (make soak)")
	}
	duration := envDuration("CLERKGUARD_SOAK_DURATION", defaultDuration)
	maxRequests := envInt("CLERKGUARD_SOAK_REQUESTS", defaultRequests)
	jwksTTL, refreshInterval, settle := keyTiming(duration)
	settleFrac := float64(settle) / float64(duration)
	atUseNewKey := atPublishNewKey + settleFrac
	if atUseNewKey >= atOutageStart || atRetireOldKey+settleFrac >= 1 {
		t.Fatalf("CLERKGUARD_SOAK_DURATION %v is too short for the timeline (settle %v)", duration, settle)
	}

	k1 := clerktest.MustNewKey()
	k2 := clerktest.MustNewKey()
	attacker := clerktest.MustNewKey()
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: k1})
	target, _ := url.Parse(inst.URL())
	kp := &keyProxy{proxy: &httputil.ReverseProxy{Rewrite: func(r *httputil.ProxyRequest) { r.SetURL(target) }}}
	kpSrv := httptest.NewServer(kp)
	defer kpSrv.Close()

	s := inst.Settings()
	client, err := clerk.New(clerk.Options{
		PublishableKey: s.PublishableKey, SecretKey: s.SecretKey, MachineSecretKey: s.MachineSecretKey,
		APIURL: kpSrv.URL, ProxyURL: s.ProxyURL, SignInURL: s.SignInURL, SignUpURL: s.SignUpURL,
		JWKSCacheTTL: jwksTTL, JWKSRefreshInterval: refreshInterval,
		OrganizationSync: demo.OrganizationSync(),
		Logger:           slog.New(slog.DiscardHandler),
	})
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	app := httptest.NewServer(chiapp.New(&demo.Setup{Client: client, Dev: inst}))
	defer app.Close()

	// Tokens.
	must := func(tok string, err error) string {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	iss := inst.FrontendAPIURL()
	alice := must(inst.MintSessionToken("user_alice", clerkdev.WithOrg("acme"), clerkdev.WithLifetime(time.Hour)))
	bob := must(inst.MintSessionToken("user_bob", clerkdev.WithOrg("acme"), clerkdev.WithLifetime(time.Hour)))
	expired := must(inst.MintSessionToken("user_alice", clerkdev.WithLifetime(-time.Minute)))
	m2mJWT := must(inst.MintM2MJWT("mch_soak", []string{"read"}))
	sess, err := inst.CreateSession("user_carol", clerkdev.WithLifetime(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	apiKey, err := inst.CreateAPIKey("user_alice", "soak", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	m2m, err := inst.CreateM2MToken("mch_soak", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	dave := k2.MustSign(clerktest.SessionV2("user_dave", "sess_dave", now, clerktest.WithIssuer(iss), clerktest.WithExp(time.Hour)))
	forgedSig := attacker.WithKID(k1.KID()).MustSign(clerktest.SessionV2("user_alice", "sess_x", now, clerktest.WithIssuer(iss),
		clerktest.WithOrg(clerktest.Org{ID: "org_acme", Slug: "acme", Role: "org:admin"})))
	algNone := (*clerktest.Key)(nil).MustSign(clerktest.SessionV2("user_alice", "sess_x", now, clerktest.WithIssuer(iss)),
		clerktest.WithAlg("none"), clerktest.WithKID(k1.KID()))
	forgedKid := func(i int) string {
		return attacker.WithKID(fmt.Sprintf("ins_forged_%d", i)).MustSign(clerktest.SessionV1("user_alice", "s", time.Now(), clerktest.WithIssuer(iss)))
	}
	var freshN atomic.Int64
	freshK2 := func() string {
		n := freshN.Add(1)
		return k2.MustSign(clerktest.SessionV2("user_erin", fmt.Sprintf("sess_erin_%d", n), time.Now(), clerktest.WithIssuer(iss)))
	}

	get := func(base, path string, h ...string) *http.Request {
		r, _ := http.NewRequest(http.MethodGet, base+path, nil)
		for i := 0; i+1 < len(h); i += 2 {
			r.Header.Set(h[i], h[i+1])
		}
		return r
	}
	bearer := func(tok string) []string { return []string{"Authorization", "Bearer " + tok} }
	// k1 tokens work until the old key is retired and settled; after
	// that they are refused like any unknown key.
	k1Then := func(ok, refused []int) func(float64) []int {
		return func(at float64) []int { return window(at, atRetireOldKey, settleFrac, ok, refused) }
	}
	outage := func(normal, during []int) func(float64) []int {
		return func(at float64) []int {
			// An unknown kid may be a rotation: while keys cannot be loaded
			// (and for the failure backoff after), 503 is honest.
			return window(at, atOutageStart, atOutageEnd-atOutageStart+settleFrac, normal, append(slices.Clone(normal), during...))
		}
	}
	cookies := sess.Cookies(false)
	kinds := []kind{
		{name: "anonymous public", weight: 6, request: func(b string, _ int) *http.Request { return get(b, "/api/public") }, allowed: always(200)},
		{name: "anonymous protected", weight: 6, request: func(b string, _ int) *http.Request { return get(b, "/api/me") }, allowed: always(404)},
		{name: "anonymous machine route", weight: 3, request: func(b string, _ int) *http.Request { return get(b, "/api/machine") }, allowed: always(401)},
		{name: "anonymous page (handshake)", weight: 3, request: func(b string, _ int) *http.Request {
			return get(b, "/dashboard", "Sec-Fetch-Dest", "document", "Accept", "text/html")
		}, allowed: always(307)},
		{name: "valid session (k1)", weight: 12, request: func(b string, _ int) *http.Request { return get(b, "/api/me", bearer(alice)...) },
			allowed: k1Then([]int{200}, []int{404}), wantUser: "user_alice"},
		{name: "valid session, admin route", weight: 5, request: func(b string, _ int) *http.Request { return get(b, "/api/admin", bearer(alice)...) },
			allowed: k1Then([]int{200}, []int{404}), wantUser: "user_alice"},
		{name: "valid session, wrong role", weight: 5, request: func(b string, _ int) *http.Request { return get(b, "/api/admin", bearer(bob)...) },
			allowed: always(404)},
		{name: "valid session cookie", weight: 6, request: func(b string, _ int) *http.Request {
			r := get(b, "/api/me", "Accept", "application/json")
			for _, c := range cookies {
				r.AddCookie(c)
			}
			return r
		}, allowed: k1Then([]int{200}, []int{404}), wantUser: "user_carol"},
		{name: "valid session (k2, rotated)", weight: 8, from: atUseNewKey, request: func(b string, _ int) *http.Request { return get(b, "/api/me", bearer(dave)...) },
			allowed: always(200), wantUser: "user_dave"},
		{name: "fresh session (k2, uncached)", weight: 2, from: atUseNewKey, request: func(b string, _ int) *http.Request { return get(b, "/api/me", bearer(freshK2())...) },
			allowed: always(200), wantUser: "user_erin"},
		{name: "expired session", weight: 8, request: func(b string, _ int) *http.Request { return get(b, "/api/me", bearer(expired)...) }, allowed: always(404)},
		{name: "forged signature", weight: 6, request: func(b string, _ int) *http.Request { return get(b, "/api/admin", bearer(forgedSig)...) }, allowed: always(404)},
		{name: "forged alg none", weight: 3, request: func(b string, _ int) *http.Request { return get(b, "/api/admin", bearer(algNone)...) }, allowed: always(404)},
		{name: "forged unknown kid", weight: 1, request: func(b string, i int) *http.Request { return get(b, "/api/me", bearer(forgedKid(i))...) },
			allowed: outage([]int{404}, []int{503})},
		{name: "API key", weight: 6, request: func(b string, _ int) *http.Request { return get(b, "/api/machine", bearer(apiKey.Token)...) }, allowed: always(200)},
		{name: "M2M token", weight: 6, request: func(b string, _ int) *http.Request { return get(b, "/api/machine", bearer(m2m.Token)...) }, allowed: always(200)},
		{name: "M2M JWT (k1)", weight: 4, request: func(b string, _ int) *http.Request { return get(b, "/api/machine", bearer(m2mJWT)...) },
			allowed: k1Then([]int{200}, []int{401})},
		{name: "session on machine route", weight: 3, request: func(b string, _ int) *http.Request { return get(b, "/api/machine", bearer(alice)...) }, allowed: always(401)},
		// Clerk: the session object for a machine token is signed out, so 404.
		{name: "API key on session route", weight: 3, request: func(b string, _ int) *http.Request { return get(b, "/api/me", bearer(apiKey.Token)...) }, allowed: always(404)},
		{name: "org-scoped API", weight: 4, request: func(b string, _ int) *http.Request { return get(b, "/api/orgs/acme/me", bearer(bob)...) },
			allowed: k1Then([]int{200}, []int{404}), wantUser: "user_bob"},
		{name: "org-scoped API, anonymous", weight: 2, request: func(b string, _ int) *http.Request { return get(b, "/api/orgs/acme/me") }, allowed: always(404)},
		{name: "admin page, admin", weight: 3, request: func(b string, _ int) *http.Request { return get(b, "/admin", bearer(alice)...) },
			allowed: k1Then([]int{200}, []int{404}), wantBody: `<h1>Admin area</h1><p id="who" data-testid="who">Signed in as <b data-testid="user-id">user_alice</b>`},
		{name: "admin page, member", weight: 3, request: func(b string, _ int) *http.Request { return get(b, "/admin", bearer(bob)...) }, allowed: always(404)},
		{name: "admin page, anonymous", weight: 2, request: func(b string, _ int) *http.Request { return get(b, "/admin") }, allowed: always(404)},
		{name: "org dashboard page", weight: 3, request: func(b string, _ int) *http.Request { return get(b, "/orgs/acme/dashboard", bearer(bob)...) },
			allowed: k1Then([]int{200}, []int{404}), wantBody: `data-testid="user-id">user_bob</b> in <b data-testid="org-slug">acme</b>`},
		{name: "org dashboard page, anonymous", weight: 2, request: func(b string, _ int) *http.Request { return get(b, "/orgs/acme/dashboard") }, allowed: always(404)},
		{name: "personal page (k2)", weight: 2, from: atUseNewKey, request: func(b string, _ int) *http.Request { return get(b, "/personal", bearer(dave)...) },
			allowed: always(200), wantBody: `data-testid="user-id">user_dave</b> with the <b data-testid="org-slug">personal account</b>`},
		{name: "personal page, anonymous", weight: 2, request: func(b string, _ int) *http.Request { return get(b, "/personal") },
			allowed: always(200), wantBody: `data-testid="who">Signed out.`},
	}
	var schedule []int // kind indexes by weight
	for i, k := range kinds {
		for j := 0; j < k.weight; j++ {
			schedule = append(schedule, i)
		}
	}

	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	goroutinesBefore := runtime.NumGoroutine()

	start := time.Now()
	frac := func(at time.Time) float64 { return float64(at.Sub(start)) / float64(duration) }
	ctx, stop := context.WithTimeout(context.Background(), duration)
	defer stop()

	// The timeline.
	var timeline sync.WaitGroup
	timeline.Add(1)
	go func() {
		defer timeline.Done()
		step := func(at float64, f func()) bool {
			select {
			case <-time.After(time.Until(start.Add(time.Duration(at * float64(duration))))):
				f()
				return true
			case <-ctx.Done():
				return false
			}
		}
		set := func(jwks []byte, down bool) func() {
			return func() { kp.mu.Lock(); kp.jwks, kp.down = jwks, down; kp.mu.Unlock() }
		}
		_ = step(atPublishNewKey, set(clerktest.NewJWKS(k1, k2).JSON(), false)) &&
			step(atOutageStart, set(clerktest.NewJWKS(k1, k2).JSON(), true)) &&
			step(atOutageEnd, set(clerktest.NewJWKS(k1, k2).JSON(), false)) &&
			step(atRetireOldKey, set(clerktest.NewJWKS(k2).JSON(), false))
	}()

	transport := &http.Transport{MaxIdleConnsPerHost: workers, DisableCompression: true}
	defer transport.CloseIdleConnections()
	httpc := &http.Client{Transport: transport, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	var (
		sent   atomic.Int64
		mu     sync.Mutex
		total  = stats{byKind: make([]map[int]int, len(kinds))}
		wrong  []string
		nWrong int
		errs   = map[string]int{}
	)
	for i := range total.byKind {
		total.byKind[i] = map[int]int{}
	}
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func(w int) {
			defer wg.Done()
			local := &stats{byKind: make([]map[int]int, len(kinds))}
			for i := range local.byKind {
				local.byKind[i] = map[int]int{}
			}
			defer func() {
				mu.Lock()
				defer mu.Unlock()
				for i, m := range local.byKind {
					for c, n := range m {
						total.byKind[i][c] += n
					}
				}
				total.lat.merge(&local.lat)
				total.n += local.n
			}()
			for i := w; ctx.Err() == nil; i += workers {
				n := sent.Add(1)
				if n > int64(maxRequests) {
					stop()
					return
				}
				ki := schedule[int(n)%len(schedule)]
				k := kinds[ki]
				sentAt := time.Now()
				if frac(sentAt) < k.from {
					ki = 0
					k = kinds[0]
				}
				resp, err := httpc.Do(k.request(app.URL, i))
				done := time.Now()
				if err != nil {
					if ctx.Err() != nil {
						return
					}
					mu.Lock()
					errs[err.Error()]++
					mu.Unlock()
					continue
				}
				body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
				resp.Body.Close()
				local.byKind[ki][resp.StatusCode]++
				local.lat.add(done.Sub(sentAt))
				local.n++
				allowed := append(k.allowed(frac(sentAt)), k.allowed(frac(done))...)
				ok := slices.Contains(allowed, resp.StatusCode)
				why := ""
				if ok && resp.StatusCode == 200 && k.wantUser != "" {
					var me struct {
						UserID string `json:"userId"`
					}
					if json.Unmarshal(body, &me) != nil || me.UserID != k.wantUser {
						ok, why = false, fmt.Sprintf(" body %.120q", body)
					}
				}
				if ok && resp.StatusCode == 200 && !strings.Contains(string(body), k.wantBody) {
					ok, why = false, fmt.Sprintf(" body %.300q", body)
				}
				if ok && resp.StatusCode == 307 {
					if loc := resp.Header.Get("Location"); !strings.HasPrefix(loc, inst.URL()+"/v1/client/handshake?") {
						ok, why = false, " Location "+loc
					}
				}
				if !ok {
					mu.Lock()
					nWrong++
					if len(wrong) < 20 {
						wrong = append(wrong, fmt.Sprintf("%s at %.0f%%..%.0f%%: status %d, allowed %v; x-clerk-auth-reason %q%s",
							k.name, 100*frac(sentAt), 100*frac(done), resp.StatusCode, allowed, resp.Header.Get("X-Clerk-Auth-Reason"), why))
					}
					mu.Unlock()
				}
			}
		}(w)
	}
	wg.Wait()
	elapsed := time.Since(start)
	stop()
	timeline.Wait()
	transport.CloseIdleConnections()

	// Server-side connections close moments after the client's.
	for deadline := time.Now().Add(2 * time.Second); runtime.NumGoroutine() > goroutinesBefore+2 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
	}
	runtime.GC()
	var after runtime.MemStats
	runtime.ReadMemStats(&after)

	// Figures.
	byKind := total.byKind
	pct := total.lat.percentile
	nErr := 0
	for _, n := range errs {
		nErr += n
	}
	var b strings.Builder
	fmt.Fprintf(&b, "soak: %d requests in %v (%.0f req/s), %d workers; %d wrong decisions; %d transport errors\n",
		total.n, elapsed.Round(time.Millisecond), float64(total.n)/elapsed.Seconds(), workers, nWrong, nErr)
	fmt.Fprintf(&b, "soak: latency p50 %v, p99 %v, p99.9 %v (bucket upper edges)\n", pct(0.50), pct(0.99), pct(0.999))
	fmt.Fprintf(&b, "soak: heap after GC %.1f MiB before, %.1f MiB after (bound +%d MiB); goroutines %d before, %d after; JWKS requests %d\n",
		float64(before.HeapAlloc)/(1<<20), float64(after.HeapAlloc)/(1<<20), heapBound>>20, goroutinesBefore, runtime.NumGoroutine(), kp.jwksN.Load())
	fmt.Fprintf(&b, "soak: timeline: new key published at %.0f%%, used from %.0f%%, JWKS outage %.0f%%-%.0f%%, old key retired at %.0f%% (key TTL %v, settle %v)\n",
		100*atPublishNewKey, 100*atUseNewKey, 100*atOutageStart, 100*atOutageEnd, 100*atRetireOldKey, jwksTTL, settle)
	for i, k := range kinds {
		codes := make([]int, 0, len(byKind[i]))
		for c := range byKind[i] {
			codes = append(codes, c)
		}
		sort.Ints(codes)
		var parts []string
		for _, c := range codes {
			parts = append(parts, fmt.Sprintf("%d×%d", byKind[i][c], c))
		}
		fmt.Fprintf(&b, "soak:   %-30s %s\n", k.name, strings.Join(parts, " "))
	}
	for e, n := range errs {
		fmt.Fprintf(&b, "soak: error ×%d: %s\n", n, e)
	}
	fmt.Print(b.String())

	for _, w := range wrong {
		t.Errorf("wrong decision: %s", w)
	}
	if nWrong > len(wrong) {
		t.Errorf("... %d wrong decisions in all", nWrong)
	}
	if nErr > 0 {
		t.Errorf("%d transport errors", nErr)
	}
	if total.n < 1000 {
		t.Errorf("only %d requests: the soak did not soak", total.n)
	}
	if after.HeapAlloc > before.HeapAlloc+heapBound {
		t.Errorf("heap grew from %d to %d bytes, past the %d MiB bound", before.HeapAlloc, after.HeapAlloc, heapBound>>20)
	}
	for i, k := range kinds {
		if len(byKind[i]) == 0 {
			t.Errorf("kind %q was never sent", k.name)
		}
	}
}
