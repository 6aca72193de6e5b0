package clerk_test

import (
	"context"
	"fmt"
	"testing"
	"time"

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
