package clerk_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// A request that gives up (its client disconnected) while it alone waits
// for a key fetch must not spoil the fetch for the next requests: its
// cancellation is not remembered as an outage (cold cache) and does not use
// up the unknown-kid refresh interval (rotation). Concurrency review: before
// the fix the next request failed for the 2 s failure backoff (forever with
// a frozen clock), and new-kid tokens got kid-mismatch for 10 s.
func TestJWKSAbandonedFetchDoesNotPoison(t *testing.T) {
	t.Parallel()
	oldKey, _ := keys(t)
	newKey := clerktest.MustNewKey()
	tok := func(k *clerktest.Key) string { return k.MustSign(clerktest.SessionV2("user_1", "sess_1", t0)) }
	verifyWithin := func(t *testing.T, verify func(context.Context) error, d time.Duration) error {
		ctx, cancel := context.WithTimeout(context.Background(), d)
		defer cancel()
		return verify(ctx)
	}

	t.Run("cold cache", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, oldKey)
		defer c.Close()
		srv.SetDelay(200 * time.Millisecond)
		verify := func(ctx context.Context) error { _, err := c.VerifyToken(ctx, tok(oldKey)); return err }
		if err := verifyWithin(t, verify, 20*time.Millisecond); err == nil {
			t.Fatal("the abandoning request verified within 20 ms of a 200 ms endpoint")
		}
		if err := verifyWithin(t, verify, 5*time.Second); err != nil {
			t.Errorf("the next request after an abandoned cold fetch: %v", err)
		}
	})

	t.Run("rotation", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, oldKey)
		defer c.Close()
		if _, err := c.VerifyToken(context.Background(), tok(oldKey)); err != nil {
			t.Fatal(err)
		}
		srv.SetKeys(oldKey, newKey)
		srv.SetDelay(200 * time.Millisecond)
		verify := func(ctx context.Context) error { _, err := c.VerifyToken(ctx, tok(newKey)); return err }
		if err := verifyWithin(t, verify, 20*time.Millisecond); err == nil {
			t.Fatal("the abandoning request verified within 20 ms of a 200 ms endpoint")
		}
		if err := verifyWithin(t, verify, 5*time.Second); err != nil {
			t.Errorf("a new-kid token after an abandoned refresh: %v", err)
		}
	})
}

// Close and requests that would fetch keys may run at the same time: no
// fetch starts after Close (a WaitGroup reused during its Wait, caught by
// the race detector before the fix); those requests fail, the cached keys
// keep verifying.
func TestJWKSCloseRacesFetches(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	for range 10 {
		c, _ := newClient(t, nil, k)
		if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV2("u", "s", t0))); err != nil {
			t.Fatal(err)
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			for i := range 20 {
				other := k.WithKID(fmt.Sprintf("kid-%d", i)) // unknown kids ask for a fetch
				_, _ = c.VerifyToken(context.Background(), other.MustSign(clerktest.SessionV2("u", "s", t0)))
			}
		}()
		c.Close()
		<-done
		if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV2("u2", "s2", t0))); err != nil {
			t.Errorf("a closed client no longer verifies with its cached key: %v", err)
		}
	}
}

// TestJWKSStormOfAbandoningRequests: requests that hang up before the key
// server answers cannot make one fetch each. An abandoned fetch lives on
// for abandonGrace, so the next request joins it and its answer is kept;
// an unknown-kid refresh slot is given back at most once per interval.
func TestJWKSStormOfAbandoningRequests(t *testing.T) {
	t.Parallel()
	k, _ := keys(t)
	const n = 50
	storm := func(c *clerk.Client, now time.Time) {
		for i := range n {
			other := k.WithKID(fmt.Sprintf("random-%d", i))
			ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond) // the client hangs up
			_, _ = c.VerifyToken(ctx, other.MustSign(clerktest.SessionV2("u", "s", now)))
			cancel()
		}
	}
	t.Run("unknown kids", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, k)
		defer c.Close()
		if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV2("u", "s", t0))); err != nil {
			t.Fatal(err)
		}
		base := srv.Requests()
		srv.SetDelay(100 * time.Millisecond)
		storm(c, t0)
		if got := srv.Requests() - base; got > 2 {
			t.Errorf("%d requests with random kids that hang up: %d JWKS fetches, want at most 2", n, got)
		}
	})
	t.Run("cold cache", func(t *testing.T) {
		t.Parallel()
		c, srv := newClient(t, nil, k)
		defer c.Close()
		srv.SetDelay(100 * time.Millisecond)
		storm(c, t0)
		if got := srv.Requests(); got > 2 {
			t.Errorf("%d requests that hang up on a cold cache: %d JWKS fetches, want at most 2", n, got)
		}
		// The fetch they kept alive has answered: the keys are cached.
		if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV2("u", "s", t0))); err != nil {
			t.Errorf("after the storm: %v", err)
		}
	})
}

// TestCloseStopsBackendAPICalls: after Close, request-driven Backend API
// calls (here a handshake nonce) are not made; the request is an outage.
func TestCloseStopsBackendAPICalls(t *testing.T) {
	t.Parallel()
	var hits atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.WriteHeader(http.StatusServiceUnavailable)
	}))
	defer srv.Close()
	k, _ := keys(t)
	c, err := clerk.New(clerk.Options{SecretKey: clerktest.SecretKey(), PublishableKey: clerktest.PublishableKey("clerk.example.com"),
		APIURL: srv.URL, JWTKey: k.PublicKeyPEM(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	c.Close()
	for range 5 {
		r := httptest.NewRequest("GET", "https://app.example.com/?__clerk_handshake_nonce=abc", nil)
		c.Authenticate(context.Background(), clerk.NewRequest(r))
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("%d Backend API calls after Close, want 0", n)
	}
}
