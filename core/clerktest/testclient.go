package clerktest

import (
	"log/slog"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
)

// TestClient is a [clerk.Client] of a production instance made for tests: a
// fresh key served by a loopback JWKS server, and a clock frozen at Now. It
// is a production instance so that page requests are not sent through the
// development browser's handshake. Token mints session tokens it accepts.
type TestClient struct {
	Client *clerk.Client
	Key    *Key
	JWKS   *JWKSServer
	Now    time.Time
}

// NewTestClient starts the JWKS server (closed by t.Cleanup) and builds the
// client; mod adjusts the options before clerk.New (for example to set
// AuthorizedParties). Logs are discarded.
func NewTestClient(t testing.TB, mod ...func(*clerk.Options)) *TestClient {
	t.Helper()
	now := time.Now()
	key := MustNewKey()
	sk := "sk_live_" + strings.TrimPrefix(SecretKey(), "sk_test_")
	srv := NewJWKSServer(t, sk, key)
	opts := clerk.Options{
		SecretKey:      sk,
		PublishableKey: LivePublishableKey(DefaultFrontendAPI),
		APIURL:         srv.URL(),
		Clock:          NewClock(now).Now,
		Logger:         slog.New(slog.DiscardHandler),
	}
	for _, m := range mod {
		m(&opts)
	}
	c, err := clerk.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	return &TestClient{Client: c, Key: key, JWKS: srv, Now: now}
}

// Token mints a version 2 session token for userID (session sid
// "sess_<userID>", issued at Now) that the client accepts; opts add claims
// such as WithOrg.
func (c *TestClient) Token(userID string, opts ...ClaimOption) string {
	return c.Key.MustSign(SessionV2(userID, "sess_"+userID, c.Now, opts...), WithCategory(CategorySession))
}
