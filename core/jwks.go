package clerk

import (
	"context"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/big"
	"math/rand/v2"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// maxJWKSBody caps how much of a JWKS response is read.
const maxJWKSBody = 1 << 20

// jwk is one parsed key of a key set.
type jwk struct {
	kid string
	alg string // the JWK's alg, "" when absent
	key *rsa.PublicKey
	// err is set when the JWK could not be imported; using it fails with
	// token-verification-failed, as Clerk does when WebCrypto rejects a key.
	err error
}

// keySnapshot is an immutable set of keys with the time it was fetched.
type keySnapshot struct {
	keys      map[string]*jwk
	fetchedAt time.Time
	gen       uint64 // increases with every fetch that changed the key set
}

// keySource resolves the verification key for a token's kid.
type keySource interface {
	// key returns the key for kid and the generation of the key set it
	// came from.
	key(ctx context.Context, kid string) (*jwk, uint64, error)
	// generation changes whenever the set of trusted keys changes; the
	// verified-token cache is tied to it.
	generation() uint64
	// refreshIfStale starts a background refresh when the keys are past
	// their TTL; requests served by the verified-token cache call it so
	// that a withdrawn key is noticed without any cache miss.
	refreshIfStale()
	// close stops in-flight fetches and waits for them.
	close()
}

// staticKey is the networkless JWTKey PEM: one key, whatever the kid.
type staticKey struct{ k *jwk }

func (s staticKey) key(context.Context, string) (*jwk, uint64, error) { return s.k, 0, nil }
func (s staticKey) generation() uint64                                { return 0 }
func (s staticKey) refreshIfStale()                                   {}
func (s staticKey) close()                                            {}

// remoteKeys is a JWKS endpoint with a per-client cache (design §4.1):
// a TTL, single-flight fetches, a client-wide limit on refreshes caused by
// unknown kids, stale-if-error, a bounded body and timeouts.
type remoteKeys struct {
	url        string
	secretKey  string // "" for the unauthenticated Frontend-API JWKS
	httpClient *http.Client
	ttl        time.Duration
	refreshGap time.Duration
	now        func() time.Time
	log        *slog.Logger
	userAgent  string

	snap atomic.Pointer[keySnapshot]
	// lastRefresh is when the last unknown-kid refresh started, with the
	// clock's monotonic reading, so a wall-clock step cannot block refreshes;
	// guarded by mu.
	lastRefresh time.Time
	lastFailure atomic.Pointer[fetchFailure]

	// base bounds every fetch to the Client's life (Client.Close cancels
	// it); wg tracks the fetch goroutines.
	base   context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex // guards inflight, lastRefresh, lastGiveBack, closed and fetchCall's mutable fields
	inflight *fetchCall
	closed   bool // Client.Close ran: no new fetch starts (wg.Add after Wait)
	// lastGiveBack is the refresh slot last given back by an abandoned
	// fetch: one give-back per refreshGap, so that requests that hang up
	// cannot turn random kids into a stream of fetches.
	lastGiveBack time.Time
}

// abandonGrace is how long a request-driven fetch goes on after the last
// request waiting for it has gone: a request arriving meanwhile joins it,
// and an answer arriving meanwhile is kept, so clients that hang up cannot
// start one fetch each; after it the fetch is cancelled.
const abandonGrace = 300 * time.Millisecond

type fetchCall struct {
	done chan struct{}
	snap *keySnapshot
	err  error
	// stop cancels the fetch; a request-driven fetch is cancelled when
	// every request waiting for it has given up.
	stop       context.CancelFunc
	waiters    int // guarded by remoteKeys.mu
	background bool
	// grace is the pending abandonment while nobody waits (guarded by
	// remoteKeys.mu); a new waiter stops it.
	grace *time.Timer
	// abandoned: every waiter gave up and stop was called (guarded by
	// remoteKeys.mu). Its cancellation is nobody's outage: it is not
	// remembered as a failure, and no new caller joins it.
	abandoned bool
	// For a fetch started by an unknown kid: the refresh slot it took and
	// the one before, given back if the fetch is abandoned, so that a
	// request that disconnects cannot use up the refresh interval.
	tookRefresh, prevRefresh time.Time
}

// start begins a fetch; r.mu must be held. After close it returns a call
// that has already failed.
func (r *remoteKeys) start(background bool) *fetchCall {
	if r.closed {
		c := &fetchCall{done: make(chan struct{}), stop: func() {}, background: background,
			err: &TokenError{Reason: ReasonRemoteJWKFailedToLoad, Action: ActionContactSupport,
				Message: "Failed to load JWKS from Clerk Backend API: the Client is closed"}}
		close(c.done)
		return c
	}
	ctx, stop := context.WithTimeout(r.base, maxFetchTime)
	c := &fetchCall{done: make(chan struct{}), stop: stop, background: background}
	r.inflight = c
	r.wg.Add(1)
	go func() {
		defer r.wg.Done()
		defer stop()
		r.run(ctx, c)
	}()
	return c
}

func (r *remoteKeys) close() {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.cancel()
	r.wg.Wait()
}

func (r *remoteKeys) refreshIfStale() {
	if s := r.snap.Load(); s != nil && r.now().Sub(s.fetchedAt) >= r.ttl {
		r.refreshAsync()
	}
}

func (r *remoteKeys) generation() uint64 {
	if s := r.snap.Load(); s != nil {
		return s.gen
	}
	return 0
}

func (r *remoteKeys) key(ctx context.Context, kid string) (*jwk, uint64, error) {
	now := r.now()
	s := r.snap.Load()
	if s != nil {
		if k, ok := s.keys[kid]; ok {
			if now.Sub(s.fetchedAt) >= r.ttl {
				// Stale-while-revalidate: the key is known, so serve it
				// and refresh in the background. If the endpoint is down,
				// cached keys keep serving (stale-if-error).
				r.refreshAsync()
			}
			return k, s.gen, nil
		}
		if now.Sub(s.fetchedAt) < r.ttl {
			return r.refreshForKid(ctx, kid, now)
		}
	}
	if err := r.recentFailure(now); err != nil {
		return nil, 0, err
	}
	s2, err := r.fetch(ctx)
	if err != nil {
		return nil, 0, err
	}
	return lookup(s2, kid)
}

// refreshForKid handles a kid missing from a fresh cache. It refreshes at
// most once per refreshGap for the whole client, so random kids cannot turn
// into a stream of authenticated Backend API calls, while a real rotation is
// still seen within refreshGap. The decision is taken under r.mu, so it is
// single-flight:
//   - a fetch in flight (whoever started it) is joined and the kid looked up
//     in its result, whatever the refreshGap says: joining costs no fetch;
//   - with no fetch in flight, the key set is read again (a fetch that
//     finished since the caller's first look has stored its snapshot before
//     clearing r.inflight), then a refresh within refreshGap of the last one
//     fails at once with kid-mismatch;
//   - otherwise this request claims the refresh and starts the fetch while
//     still holding r.mu, so every later request finds it in flight and
//     never reads the old key set.
func (r *remoteKeys) refreshForKid(ctx context.Context, kid string, now time.Time) (*jwk, uint64, error) {
	r.mu.Lock()
	c := r.inflight
	if c == nil {
		if s := r.snap.Load(); s != nil {
			if k, ok := s.keys[kid]; ok {
				r.mu.Unlock()
				return k, s.gen, nil
			}
		}
		if !r.lastRefresh.IsZero() && now.Sub(r.lastRefresh) < r.refreshGap {
			r.mu.Unlock()
			return nil, 0, kidMismatch(kid)
		}
		prev := r.lastRefresh
		r.lastRefresh = now
		if err := r.recentFailure(now); err != nil {
			r.mu.Unlock()
			return nil, 0, err
		}
		c = r.start(false)
		c.tookRefresh, c.prevRefresh = r.lastRefresh, prev
	}
	r.joinLocked(c)
	r.mu.Unlock()
	s, err := r.await(ctx, c)
	if err != nil {
		return nil, 0, err
	}
	return lookup(s, kid)
}

// failureBackoff is how long a failed fetch answers for the next callers
// that have no usable cached key, so an outage does not queue every request
// behind a new round of retries.
const failureBackoff = 2 * time.Second

func (r *remoteKeys) recentFailure(now time.Time) error {
	f := r.lastFailure.Load()
	if f != nil && now.Sub(f.at) < failureBackoff {
		return f.err
	}
	return nil
}

type fetchFailure struct {
	at  time.Time
	err error
}

// refreshAsync starts a background fetch unless one is running or the last
// one failed moments ago.
func (r *remoteKeys) refreshAsync() {
	if r.recentFailure(r.now()) != nil || r.base.Err() != nil {
		return
	}
	r.mu.Lock()
	if r.inflight == nil {
		r.start(true)
	}
	r.mu.Unlock()
}

func lookup(s *keySnapshot, kid string) (*jwk, uint64, error) {
	if s != nil {
		if k, ok := s.keys[kid]; ok {
			return k, s.gen, nil
		}
	}
	return nil, 0, kidMismatch(kid)
}

func kidMismatch(kid string) *TokenError {
	return &TokenError{
		Reason: ReasonJWKKidMismatch,
		Action: "Go to your Dashboard and validate your secret and public keys are correct. " + ActionContactSupport + " if the issue persists.",
		Message: "Unable to find a signing key in JWKS that matches the kid='" + kid +
			"' of the provided session token. Please make sure that the __session cookie or the HTTP authorization header contain a Clerk-generated session JWT.",
	}
}

// fetch loads the key set once for every concurrent caller (single-flight).
// The fetch itself is not tied to the first caller's context, so one
// cancelled request does not fail the others; each caller stops waiting when
// its own context ends.
func (r *remoteKeys) fetch(ctx context.Context) (*keySnapshot, error) {
	r.mu.Lock()
	c := r.inflight
	if c == nil {
		c = r.start(false)
	}
	r.joinLocked(c)
	r.mu.Unlock()
	return r.await(ctx, c)
}

// joinLocked counts the caller as a waiter of c (r.mu held), stopping a
// pending abandonment.
func (r *remoteKeys) joinLocked(c *fetchCall) {
	c.waiters++
	if c.grace != nil {
		c.grace.Stop()
		c.grace = nil
	}
}

// await waits for c, which the caller has counted itself a waiter of, or
// for its own context to end. When the last request waiting for a
// request-driven fetch gives up, the fetch is abandoned after abandonGrace
// unless another request joins it first.
func (r *remoteKeys) await(ctx context.Context, c *fetchCall) (*keySnapshot, error) {
	select {
	case <-c.done:
		return c.snap, c.err
	case <-ctx.Done():
		r.mu.Lock()
		c.waiters--
		if c.waiters == 0 && !c.background && c.grace == nil {
			c.grace = time.AfterFunc(abandonGrace, func() { r.abandon(c) })
		}
		r.mu.Unlock()
		return nil, &TokenError{Reason: ReasonRemoteJWKFailedToLoad, Action: ActionContactSupport,
			Message: "Failed to load JWKS from Clerk Backend API: " + ctx.Err().Error()}
	}
}

// abandon stops a fetch nobody has waited for since abandonGrace: it is
// cancelled, not joined any more, its cancellation is not remembered as a
// failure, and the refresh slot it took is given back (once per
// refreshGap), so a request that disconnected does not use up the
// unknown-kid refresh interval.
func (r *remoteKeys) abandon(c *fetchCall) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.grace == nil || c.waiters > 0 {
		return // joined meanwhile
	}
	c.grace = nil
	select {
	case <-c.done:
		return // finished meanwhile: its answer stands
	default:
	}
	c.stop()
	c.abandoned = true
	if r.inflight == c {
		r.inflight = nil
	}
	if !c.tookRefresh.IsZero() && r.lastRefresh == c.tookRefresh &&
		(r.lastGiveBack.IsZero() || c.tookRefresh.Sub(r.lastGiveBack) >= r.refreshGap) {
		r.lastGiveBack = c.tookRefresh
		r.lastRefresh = c.prevRefresh
	}
}

func (r *remoteKeys) run(ctx context.Context, c *fetchCall) {
	defer func() {
		r.mu.Lock()
		if r.inflight == c {
			r.inflight = nil
		}
		r.mu.Unlock()
		close(c.done)
	}()
	keys, err := r.fetchWithRetry(ctx)
	if err != nil {
		c.err = err
		r.mu.Lock()
		abandoned := c.abandoned
		r.mu.Unlock()
		if abandoned || r.base.Err() != nil {
			return // its own cancellation, or Client.Close: not an outage
		}
		r.lastFailure.Store(&fetchFailure{at: r.now(), err: err})
		if r.snap.Load() != nil {
			r.log.Warn("clerk: JWKS refresh failed; cached keys keep serving", "error", err)
		}
		return
	}
	r.lastFailure.Store(nil)
	prev := r.snap.Load()
	gen := uint64(1)
	if prev != nil {
		gen = prev.gen
		if !sameKeys(prev.keys, keys) {
			gen++
		}
	}
	c.snap = &keySnapshot{keys: keys, fetchedAt: r.now(), gen: gen}
	r.snap.Store(c.snap)
}

func sameKeys(a, b map[string]*jwk) bool {
	if len(a) != len(b) {
		return false
	}
	for kid, ka := range a {
		kb, ok := b[kid]
		if !ok || (ka.key == nil) != (kb.key == nil) || ka.alg != kb.alg {
			return false
		}
		if ka.key != nil && !ka.key.Equal(kb.key) {
			return false
		}
	}
	return true
}

// fetchWithRetry makes up to 5 attempts (spec §2.3: 125 ms · 2^n with
// jitter), retrying only network failures and 5xx answers; it gives up after
// maxFetchTime in all.
func (r *remoteKeys) fetchWithRetry(ctx context.Context) (map[string]*jwk, error) {
	ctx, cancel := context.WithTimeout(ctx, maxFetchTime)
	defer cancel()
	var err error
	for attempt := 0; attempt < 5; attempt++ {
		if attempt > 0 {
			d := time.Duration(float64(125*time.Millisecond<<(attempt-1)) * (1 + rand.Float64()))
			t := time.NewTimer(d)
			select {
			case <-t.C:
			case <-ctx.Done():
				t.Stop()
				return nil, err
			}
		}
		var keys map[string]*jwk
		var retry bool
		keys, retry, err = r.fetchOnce(ctx)
		if err == nil {
			return keys, nil
		}
		if !retry {
			return nil, err
		}
	}
	return nil, err
}

const maxFetchTime = 15 * time.Second

// jwksError is the error JSON of the Backend API.
type apiErrors struct {
	Errors []struct {
		Code        string `json:"code"`
		Message     string `json:"message"`
		LongMessage string `json:"long_message"`
	} `json:"errors"`
}

func (r *remoteKeys) fetchOnce(ctx context.Context) (keys map[string]*jwk, retry bool, err error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, r.url, nil)
	if err != nil {
		return nil, false, &TokenError{Reason: ReasonRemoteJWKFailedToLoad, Action: ActionContactSupport,
			Message: "Invalid JWKS URL " + r.url}
	}
	if r.secretKey != "" {
		req.Header.Set("Authorization", "Bearer "+r.secretKey)
	}
	req.Header.Set("Clerk-API-Version", SupportedAPIVersion)
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", r.userAgent)
	// Failures that are not Clerk answers (no response, a body that is not
	// JSON) are *APIError, not *TokenError: Clerk's SDK throws a non-token
	// error there and reports unexpected-error with no message, so the
	// transport's detail (addresses, proxies) stays in RequestState.Err and
	// the logs, out of the x-clerk-auth-message header.
	resp, err := r.httpClient.Do(req)
	if err != nil {
		return nil, true, &APIError{Err: fmt.Errorf("loading the JWKS from %s: %s", r.url, redactURLError(err))}
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxJWKSBody+1))
	if err != nil {
		return nil, true, &APIError{Err: fmt.Errorf("reading the JWKS from %s: %w", r.url, err)}
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		retry := resp.StatusCode >= 500 || resp.StatusCode == http.StatusTooManyRequests
		var ae apiErrors
		if err := json.Unmarshal(body, &ae); err != nil {
			return nil, retry, &APIError{Status: resp.StatusCode,
				Err: fmt.Errorf("loading the JWKS from %s: the answer is not JSON", r.url)}
		}
		for _, e := range ae.Errors {
			if e.Code == "clerk_key_invalid" {
				return nil, false, &TokenError{Reason: ReasonSecretKeyInvalid, Action: ActionContactSupport, Message: e.Message}
			}
		}
		return nil, retry, &TokenError{
			Reason: ReasonRemoteJWKFailedToLoad, Action: ActionContactSupport,
			Message: fmt.Sprintf("Error loading Clerk JWKS from %s with code=%d", r.url, resp.StatusCode)}
	}
	if len(body) > maxJWKSBody {
		return nil, false, &TokenError{Reason: ReasonRemoteJWKFailedToLoad, Action: ActionContactSupport,
			Message: "Error loading Clerk JWKS from " + r.url + ": the response is larger than 1 MiB"}
	}
	keys, err = parseJWKS(body)
	if err != nil {
		var te *TokenError
		if !errors.As(err, &te) {
			err = &APIError{Status: resp.StatusCode, Err: fmt.Errorf("loading the JWKS from %s: %w", r.url, err)}
		}
		return nil, false, err
	}
	return keys, false, nil
}

// redactURLError keeps a transport error's cause without repeating the URL.
func redactURLError(err error) string {
	var ue interface{ Unwrap() error }
	if errors.As(err, &ue) {
		if inner := ue.Unwrap(); inner != nil {
			return inner.Error()
		}
	}
	return err.Error()
}

type jwkJSON struct {
	Kid string `json:"kid"`
	Kty string `json:"kty"`
	Alg string `json:"alg"`
	Use string `json:"use"`
	N   string `json:"n"`
	E   string `json:"e"`
}

// parseJWKS parses a JWKS document. Keys that cannot be imported are kept
// with their error, so a token that names them fails the way Clerk's does.
func parseJWKS(body []byte) (map[string]*jwk, error) {
	var raw struct {
		Keys json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		return nil, errors.New("the answer is not a JSON object")
	}
	var doc struct {
		Keys []jwkJSON
	}
	// A "keys" that is not an array of keys has no signing keys (Clerk's
	// message), like an empty or missing one.
	if len(raw.Keys) > 0 && json.Unmarshal(raw.Keys, &doc.Keys) != nil {
		doc.Keys = nil
	}
	if len(doc.Keys) == 0 {
		return nil, &TokenError{Reason: ReasonRemoteJWKFailedToLoad, Action: ActionContactSupport,
			Message: "The JWKS endpoint did not contain any signing keys. Contact support@clerk.com."}
	}
	keys := make(map[string]*jwk, len(doc.Keys))
	for _, k := range doc.Keys {
		keys[k.Kid] = importJWK(k)
	}
	return keys, nil
}

func importJWK(k jwkJSON) *jwk {
	out := &jwk{kid: k.Kid, alg: k.Alg}
	if k.Kty != "RSA" {
		out.err = fmt.Errorf("unsupported key type %q", k.Kty)
		return out
	}
	n, err1 := base64.RawURLEncoding.DecodeString(k.N)
	e, err2 := base64.RawURLEncoding.DecodeString(k.E)
	if err1 != nil || err2 != nil || len(n) == 0 || len(e) == 0 || len(e) > 4 {
		out.err = errors.New("invalid RSA key parameters")
		return out
	}
	exp := new(big.Int).SetBytes(e)
	pub := &rsa.PublicKey{N: new(big.Int).SetBytes(n), E: int(exp.Int64())}
	if pub.N.BitLen() < 2048 || pub.E < 3 || pub.E%2 == 0 {
		out.err = fmt.Errorf("RSA key too weak or malformed (%d bits)", pub.N.BitLen())
		return out
	}
	out.key = pub
	return out
}
