package clerk_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// logBuffer is a concurrency-safe log destination.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.String()
}

// entries decodes the JSON log lines.
func (l *logBuffer) entries(t *testing.T) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, line := range strings.Split(strings.TrimSpace(l.String()), "\n") {
		if line == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil {
			t.Fatalf("log line %q: %v", line, err)
		}
		out = append(out, m)
	}
	return out
}

func debugClient(t testing.TB, debug bool, w *logBuffer, sk string) *clerk.Client {
	t.Helper()
	o := clerk.Options{
		SecretKey:      sk,
		PublishableKey: clerktest.LivePublishableKey(ptFAPI),
		JWTKey:         ptKey().PublicKeyPEM(),
		Clock:          func() time.Time { return ptNow },
		Debug:          debug,
	}
	if w != nil {
		o.Logger = slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	c, err := clerk.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDebugLogRedacts: one entry per request with what was decided, and
// no cookie value, Authorization value, token or key (design §4.4; Clerk's
// own debug log prints them, spec §9.1).
func TestDebugLogRedacts(t *testing.T) {
	t.Parallel()
	sk := "sk_live_" + strings.Repeat("S", 40)
	var logs logBuffer
	c := debugClient(t, true, &logs, sk)
	sfx := clerk.CookieSuffix(clerktest.LivePublishableKey(ptFAPI))
	tok := ptSession(clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "org:admin"}))
	expired := ptKey().MustSign(clerktest.SessionV2("user_1", "sess_1", ptNow.Add(-time.Hour)))
	forged := tok[:strings.LastIndexByte(tok, '.')] + ".c2lnbmF0dXJl"
	secrets := []string{tok, expired, forged, sk, "refresh-secret-value", "db-jwt-secret-value", "dXNlcjpwYXNzd29yZA", "c2lnbmF0dXJl",
		ptKey().PublicKeyPEM()[30:80]}
	// Every part of every token, in case one is logged alone.
	for _, s := range []string{tok, expired} {
		secrets = append(secrets, strings.Split(s, ".")...)
	}
	requests := []map[string]string{
		{"Cookie": sessionCookies(tok) + "; __refresh_" + sfx + "=refresh-secret-value; __clerk_db_jwt=db-jwt-secret-value", "Sec-Fetch-Dest": "document"},
		{"Authorization": "Bearer " + tok},
		{"Authorization": "Bearer " + expired},
		{"Authorization": "Bearer " + forged},
		{"Authorization": "Basic dXNlcjpwYXNzd29yZA=="},
		{"Cookie": "__session=" + expired + "; __client_uat=1"},
	}
	for _, h := range requests {
		c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, "https://app.example.com/dashboard?token="+tok[:20], h)))
	}
	out := logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(out, s) {
			t.Errorf("the debug log contains a secret (%.12s...):\n%s", s, out)
		}
	}
	var es []map[string]any
	var opts []map[string]any
	for _, e := range logs.entries(t) {
		if e["msg"] == "clerk: options" {
			opts = append(opts, e)
		} else {
			es = append(es, e)
		}
	}
	// Clerk's "options" entry, once per Client, keys only as "set".
	if len(opts) != 1 || opts[0]["secret_key_set"] != true || opts[0]["instance"] != "production" || opts[0]["jwt_key_set"] != true {
		t.Errorf("options entries %v", opts)
	}
	if len(es) != len(requests) {
		t.Fatalf("%d entries for %d requests:\n%s", len(es), len(requests), out)
	}
	first := es[0]
	for k, want := range map[string]any{"msg": "clerk: authenticate", "level": "DEBUG", "status": "signed-in", "user_id": "user_1",
		"org_id": "org_1", "session_cookie": true, "path": "/dashboard", "method": "GET", "authorization_header": false} {
		if first[k] != want {
			t.Errorf("entry[%q] = %v, want %v", k, first[k], want)
		}
	}
	if r, _ := es[2]["reason"].(string); !strings.HasPrefix(r, string(clerk.ReasonSessionTokenExpired)) || es[3]["reason"] != string(clerk.ReasonTokenInvalidSignature) {
		t.Errorf("reasons %v, %v", es[2]["reason"], es[3]["reason"])
	}
	if es[4]["basic_auth"] != true || es[2]["message"] == nil {
		t.Errorf("Basic auth or the state message not reported: %v %v", es[4], es[2])
	}
	if es[1]["authorization_header"] != true {
		t.Errorf("the header token is not reported: %v", es[1])
	}
}

// Debug off: nothing is logged, even to a debug-level logger.
func TestDebugLogOff(t *testing.T) {
	t.Parallel()
	var logs logBuffer
	c := debugClient(t, false, &logs, "")
	c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(ptSession())})))
	if out := logs.String(); out != "" {
		t.Errorf("Debug false logged:\n%s", out)
	}
}

// countingHandler counts how often the logger is consulted.
type countingHandler struct {
	slog.Handler
	enabled *atomic.Int32
}

func (h countingHandler) Enabled(ctx context.Context, l slog.Level) bool {
	h.enabled.Add(1)
	return h.Handler.Enabled(ctx, l)
}

// Free when off: with Debug false the logger is never even consulted, and a
// debug-level logger costs no allocation (not parallel: AllocsPerRun counts
// the whole process).
func TestDebugLogFreeWhenOff(t *testing.T) {
	tok := ptSession()
	r := clerk.NewRequest(newRequest(http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(tok)}))

	var consulted atomic.Int32
	h := countingHandler{slog.NewJSONHandler(&logBuffer{}, &slog.HandlerOptions{Level: slog.LevelDebug}), &consulted}
	c, err := clerk.New(clerk.Options{PublishableKey: clerktest.LivePublishableKey(ptFAPI), JWTKey: ptKey().PublicKeyPEM(),
		Clock: func() time.Time { return ptNow }, Logger: slog.New(h)})
	if err != nil {
		t.Fatal(err)
	}
	for range 10 {
		c.Authenticate(context.Background(), r)
	}
	if n := consulted.Load(); n != 0 {
		t.Errorf("Debug false: the logger was consulted %d times", n)
	}

	allocs := func(c *clerk.Client) float64 {
		c.Authenticate(context.Background(), r) // warm the token cache
		return minAllocs(500, func() { c.Authenticate(context.Background(), r) })
	}
	noLogger := allocs(debugClient(t, false, nil, ""))
	offWithLogger := allocs(debugClient(t, false, &logBuffer{}, ""))
	on := allocs(debugClient(t, true, &logBuffer{}, ""))
	// One allocation of slack: the averages jitter by one between clients
	// (token cache, race detector), whatever the logger.
	if offWithLogger > noLogger+1 {
		t.Errorf("Debug false: %v allocations with a debug logger, %v without", offWithLogger, noLogger)
	}
	if on <= offWithLogger {
		t.Errorf("Debug true: %v allocations, not more than off (%v): is the entry written?", on, offWithLogger)
	}
	t.Logf("allocations per Authenticate: %v (debug off, no logger), %v (debug off, debug logger), %v (debug on)", noLogger, offWithLogger, on)
}

func BenchmarkAuthenticateDebug(b *testing.B) {
	tok := ptSession()
	r := clerk.NewRequest(newRequest(http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(tok)}))
	for _, bc := range []struct {
		name  string
		debug bool
	}{{"off", false}, {"on", true}} {
		b.Run(bc.name, func(b *testing.B) {
			c := debugClient(b, bc.debug, &logBuffer{}, "")
			b.ReportAllocs()
			for b.Loop() {
				c.Authenticate(context.Background(), r)
			}
		})
	}
}
