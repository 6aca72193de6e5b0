package clerk_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// rotationBurst is how many requests carrying the new kid arrive at once.
const rotationBurst = 256

// TestJWKSRotationBurstSingleFlight: right after a key rotation the cache is
// fresh and holds only the old key; a burst of concurrent requests for the
// new kid must all verify, sharing exactly one unknown-kid refresh. A
// request that finds the refresh already claimed joins the fetch instead of
// failing because the refresh interval has not passed, or reading the old
// key set before the fetch is registered. The clock is frozen, so the
// refresh interval never passes during the burst.
func TestJWKSRotationBurstSingleFlight(t *testing.T) {
	t.Parallel()
	oldKey, _ := keys(t)
	newKey := clerktest.MustNewKey()
	toks := make([]string, rotationBurst)
	for i := range toks {
		toks[i] = newKey.MustSign(clerktest.SessionV2(fmt.Sprintf("user_%d", i), fmt.Sprintf("sess_%d", i), t0, clerktest.WithExp(time.Hour)))
	}
	for _, delay := range []time.Duration{0, 20 * time.Millisecond} {
		t.Run(fmt.Sprintf("fetch=%v", delay), func(t *testing.T) {
			const rounds = 3
			var failed, extraFetches int
			for round := 0; round < rounds; round++ {
				f, n := rotationBurstRound(t, oldKey, newKey, toks, delay)
				failed += f
				if n != 1 {
					extraFetches++
					t.Errorf("round %d: %d JWKS fetches after the rotation, want exactly 1", round, n)
				}
			}
			if failed != 0 {
				t.Errorf("%d of %d verifications of the new kid failed (%.1f%%) over %d rounds, want 0",
					failed, rounds*len(toks), 100*float64(failed)/float64(rounds*len(toks)), rounds)
			}
		})
	}
}

// rotationBurstRound runs one rotation on a fresh client and returns how
// many verifications failed and how many fetches the burst caused.
func rotationBurstRound(t *testing.T, oldKey, newKey *clerktest.Key, toks []string, delay time.Duration) (failed, fetches int) {
	t.Helper()
	c, srv := newClient(t, nil, oldKey)
	defer c.Close()
	if _, err := c.VerifyToken(context.Background(), oldKey.MustSign(clerktest.SessionV2("u", "s", t0))); err != nil {
		t.Fatalf("initial verification: %v", err)
	}
	if n := srv.Requests(); n != 1 {
		t.Fatalf("initial JWKS fetches = %d, want 1", n)
	}
	srv.SetKeys(oldKey, newKey)
	srv.SetDelay(delay)

	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first *clerk.TokenError
		fails int
	)
	start := make(chan struct{})
	for _, tok := range toks {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			if _, err := c.VerifyToken(ctx, tok); err != nil {
				mu.Lock()
				fails++
				if first == nil {
					errors.As(err, &first)
				}
				mu.Unlock()
			}
		}()
	}
	close(start)
	wg.Wait()
	if fails > 0 {
		reason := clerk.Reason("?")
		if first != nil {
			reason = first.Reason
		}
		t.Logf("fetch delay %v: %d/%d failed (%s)", delay, fails, len(toks), reason)
	}
	return fails, srv.Requests() - 1
}

// TestJWKSUnknownKidWithinGapFailsFast: once an unknown-kid refresh has
// completed, another unknown kid within the refresh interval, with no fetch
// in flight, fails at once with jwk-kid-mismatch and costs no fetch, even
// when the endpoint is slow. After the interval a new refresh is allowed.
func TestJWKSUnknownKidWithinGapFailsFast(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	clock := clerktest.NewClock(t0)
	c, srv := newClient(t, func(o *clerk.Options) { o.Clock = clock.Now }, k)
	defer c.Close()
	if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV2("u", "s", t0))); err != nil {
		t.Fatal(err)
	}
	// An unknown kid claims the refresh; the key set does not have it.
	unknown := other.WithKID("ins_unknown_1").MustSign(clerktest.SessionV2("u", "s", t0))
	_, err := c.VerifyToken(context.Background(), unknown)
	wantReason(t, err, clerk.ReasonJWKKidMismatch)
	if n := srv.Requests(); n != 2 {
		t.Fatalf("JWKS fetches = %d after the first unknown kid, want 2", n)
	}

	// Within the interval, nothing in flight: fail fast, no fetch, even if
	// the key has meanwhile been published and the endpoint is slow.
	srv.SetKeys(k, other)
	srv.SetDelay(2 * time.Second)
	clock.Advance(5 * time.Second)
	tok := other.MustSign(clerktest.SessionV2("u", "s", clock.Now()))
	for i := 0; i < 50; i++ {
		began := time.Now()
		_, err := c.VerifyToken(context.Background(), tok)
		wantReason(t, err, clerk.ReasonJWKKidMismatch)
		if d := time.Since(began); d > time.Second {
			t.Fatalf("an unknown kid within the refresh interval waited %v", d)
		}
	}
	if n := srv.Requests(); n != 2 {
		t.Errorf("JWKS fetches = %d for unknown kids within the refresh interval, want still 2", n)
	}

	// After the interval, the next unknown kid refreshes and finds the key.
	srv.SetDelay(0)
	clock.Advance(6 * time.Second)
	tok = other.MustSign(clerktest.SessionV2("u", "s", clock.Now()))
	if _, err := c.VerifyToken(context.Background(), tok); err != nil {
		t.Fatalf("after the refresh interval: %v", err)
	}
	if n := srv.Requests(); n != 3 {
		t.Errorf("JWKS fetches = %d, want 3", n)
	}
}

// TestJWKSUnknownKidJoinsFetchInFlight: a request whose kid is unknown,
// arriving within the refresh interval while a fetch is still in flight,
// waits for that fetch and finds its key in the result.
func TestJWKSUnknownKidJoinsFetchInFlight(t *testing.T) {
	t.Parallel()
	k, other := keys(t)
	c, srv := newClient(t, nil, k)
	defer c.Close()
	if _, err := c.VerifyToken(context.Background(), k.MustSign(clerktest.SessionV2("u", "s", t0))); err != nil {
		t.Fatal(err)
	}
	srv.SetKeys(k, other)
	srv.SetDelay(300 * time.Millisecond)
	// A random kid claims the refresh and starts a slow fetch.
	first := make(chan error, 1)
	go func() {
		_, err := c.VerifyToken(context.Background(), other.WithKID("ins_random").MustSign(clerktest.SessionV2("u", "s", t0)))
		first <- err
	}()
	deadline := time.Now().Add(5 * time.Second)
	for srv.Requests() < 2 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	// The rotated key's token arrives while that fetch is in flight.
	if _, err := c.VerifyToken(context.Background(), other.MustSign(clerktest.SessionV2("u", "s", t0))); err != nil {
		t.Errorf("new kid during an in-flight refresh: %v", err)
	}
	var te *clerk.TokenError
	if err := <-first; !errors.As(err, &te) || te.Reason != clerk.ReasonJWKKidMismatch {
		t.Errorf("random kid: %v, want jwk-kid-mismatch", err)
	}
	if n := srv.Requests(); n != 2 {
		t.Errorf("JWKS fetches = %d, want 2", n)
	}
}
