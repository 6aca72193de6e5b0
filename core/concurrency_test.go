package clerk_test

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"testing"

	clerk "github.com/clerkguard/clerkguard/core"
)

// Requests that fail on the same key fetch share its error inside the core;
// each request annotates only its own copy (where the token came from). Run
// with -race (make test does): header and cookie requests at once on one
// client, while the JWKS endpoint is down, all get a 503 from Protect.
func TestConcurrentRequestsWhileKeysAreDown(t *testing.T) {
	t.Parallel()
	c := unreachableClient(t, http.StatusServiceUnavailable)
	tok := ptSession()
	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := 0; i < 64; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			h, want := map[string]string{"Cookie": sessionCookies(tok)}, clerk.CarrierCookie
			if i%2 == 0 {
				h, want = map[string]string{"Authorization": "Bearer " + tok}, clerk.CarrierHeader
			}
			s := c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, ptPageURL, h)))
			var te *clerk.TokenError
			if !errors.As(s.Err, &te) || te.Carrier != want {
				errs <- errors.New("request " + string(want) + ": state error " + errString(s.Err))
				return
			}
			var pe *clerk.ProtectError
			if err := s.Auth.Protect(); !errors.As(err, &pe) || pe.Decision.Status != http.StatusServiceUnavailable {
				errs <- errors.New("Protect: " + errString(err) + ", want a 503")
			}
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

func errString(err error) string {
	if err == nil {
		return "<nil>"
	}
	return err.Error()
}
