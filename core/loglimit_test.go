package clerk_test

import (
	"strings"
	"sync"
	"testing"
	"time"
)

// TestAttackLogFlood: log lines a request's own input causes (here a forged
// handshake token) are written at most once a second per message, however
// many requests carry it; the next line says how many were suppressed, and
// another message is not held back by the first.
func TestAttackLogFlood(t *testing.T) {
	t.Parallel()
	c, logs := atClient(t, nil)
	const msg = "unable to resolve handshake"
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 125 {
				atAuthn(c, atReq(atKFetch, "https://app.example.com/?__clerk_handshake=forged", nil))
			}
		})
	}
	wg.Wait()
	if n := strings.Count(logs.String(), msg); n != 1 {
		t.Fatalf("%d %q lines for 1,000 forged requests within a second, want 1:\n%s", n, msg, logs)
	}
	if strings.Contains(logs.String(), "suppressed") {
		t.Fatalf("the first line reports suppressed lines:\n%s", logs)
	}
	time.Sleep(time.Second + 50*time.Millisecond)
	atAuthn(c, atReq(atKFetch, "https://app.example.com/?__clerk_handshake=forged", nil))
	out := logs.String()
	if n := strings.Count(out, msg); n != 2 {
		t.Fatalf("%d lines after the interval, want 2:\n%s", n, out)
	}
	if !strings.Contains(out, "suppressed=999") {
		t.Errorf("the line after the interval does not count the 999 suppressed:\n%s", out)
	}
}
