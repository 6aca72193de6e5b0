package clerk_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// The protect tests build every Auth through Client.Authenticate on a real
// *http.Request, then call Protect (spec §5.2, §5.3).

var (
	ptNow = time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	ptKey = sync.OnceValue(clerktest.MustNewKey)
)

const (
	ptFAPI      = "clerk.example.com" // production instance of the table
	ptPageURL   = "https://app.example.com/dashboard?tab=1"
	ptSignIn    = "https://accounts.example.com/sign-in"
	ptReturnArg = "redirect_url=https%3A%2F%2Fapp.example.com%2Fdashboard%3Ftab%3D1"
)

// ptClient is a networkless production client of the table.
func ptClient(t testing.TB, mod func(*clerk.Options)) *clerk.Client {
	t.Helper()
	o := clerk.Options{
		PublishableKey: clerktest.LivePublishableKey(ptFAPI),
		JWTKey:         ptKey().PublicKeyPEM(),
		Clock:          func() time.Time { return ptNow },
		Logger:         slog.New(slog.DiscardHandler),
	}
	if mod != nil {
		mod(&o)
	}
	c, err := clerk.New(o)
	if err != nil {
		t.Fatalf("clerk.New: %v", err)
	}
	return c
}

// ptSession signs a version 2 session token for user_1 at ptNow.
func ptSession(opts ...clerktest.ClaimOption) string {
	return ptKey().MustSign(clerktest.SessionV2("user_1", "sess_1", ptNow, opts...))
}

// sessionCookies is what a signed-in browser sends.
func sessionCookies(tok string) string {
	return "__session=" + tok + "; __client_uat=" + itoa(ptNow.Add(-time.Minute).Unix())
}

// requestKind is how a client asks: what spec §5.2's isPageRequest sees.
type requestKind struct {
	name   string
	method string
	header map[string]string
	page   bool
}

var requestKinds = []requestKind{
	{"document", http.MethodGet, map[string]string{"Sec-Fetch-Dest": "document", "Sec-Fetch-Mode": "navigate", "Accept": "text/html,application/xhtml+xml,*/*;q=0.8"}, true},
	{"iframe", http.MethodGet, map[string]string{"Sec-Fetch-Dest": "iframe", "Accept": "*/*"}, true},
	{"accept-html-without-sec-fetch", http.MethodGet, map[string]string{"Accept": "text/html"}, true},
	{"post-form", http.MethodPost, map[string]string{"Sec-Fetch-Dest": "document", "Accept": "text/html", "Content-Type": "application/x-www-form-urlencoded"}, true},
	{"fetch-json", http.MethodGet, map[string]string{"Sec-Fetch-Dest": "empty", "Sec-Fetch-Mode": "cors", "Accept": "application/json"}, false},
	{"xhr", http.MethodGet, map[string]string{"X-Requested-With": "XMLHttpRequest", "Accept": "*/*"}, false},
	{"post-json", http.MethodPost, map[string]string{"Content-Type": "application/json"}, false},
	{"image", http.MethodGet, map[string]string{"Sec-Fetch-Dest": "image", "Accept": "image/avif,image/webp,*/*"}, false},
	// Clerk compares case-sensitively.
	{"sec-fetch-dest-uppercase", http.MethodGet, map[string]string{"Sec-Fetch-Dest": "Document", "Accept": "TEXT/HTML"}, false},
}

func newRequest(method, target string, header map[string]string) *http.Request {
	r := httptest.NewRequest(method, target, nil)
	for k, v := range header {
		r.Header.Set(k, v)
	}
	return r
}

// authState is an authentication state: a client and what the request
// carries.
type authState struct {
	name   string
	client *clerk.Client
	// fresh, when set, builds the client for each subtest instead.
	fresh   func(testing.TB) *clerk.Client
	signIn  string // the sign-in page; ptSignIn when empty
	fapi    string // the Frontend API host; ptFAPI when empty
	cookie  string
	bearer  string
	accepts *clerk.TokenAcceptance // how the middleware authenticated; nil for AnyToken
	machine bool                   // needs machine-token verification
}

func (s authState) authenticate(t *testing.T, kind requestKind) *clerk.RequestState {
	t.Helper()
	h := map[string]string{}
	for k, v := range kind.header {
		h[k] = v
	}
	if s.cookie != "" {
		h["Cookie"] = s.cookie
	}
	if s.bearer != "" {
		h["Authorization"] = "Bearer " + s.bearer
	}
	acc := clerk.AcceptsToken(clerk.AnyToken)
	if s.accepts != nil {
		acc = *s.accepts
	}
	c := s.client
	if s.fresh != nil {
		c = s.fresh(t)
	}
	st := c.Authenticate(context.Background(), clerk.NewRequest(newRequest(kind.method, ptPageURL, h)), acc)
	if loc := st.Location(); loc != "" {
		t.Fatalf("state %s: unexpected redirect to %s (reason %s)", s.name, loc, st.Reason)
	}
	return st
}

// decision is the expected answer; status 0 means Protect returns nil.
type decision struct {
	status     int
	failure    clerk.ProtectFailure
	location   string
	wwwAuth    string
	retryAfter string
	body       string
}

func checkDecision(t *testing.T, err error, want decision) {
	t.Helper()
	if want.status == 0 {
		if err != nil {
			t.Fatalf("Protect = %v, want nil", err)
		}
		return
	}
	var pe *clerk.ProtectError
	if !errors.As(err, &pe) {
		t.Fatalf("Protect = %v (%T), want *ProtectError with status %d", err, err, want.status)
	}
	d := pe.Decision
	if d.Status != want.status {
		t.Errorf("status %d, want %d (Location %q)", d.Status, want.status, d.Header.Get("Location"))
	}
	if want.failure != 0 && pe.Failure != want.failure {
		t.Errorf("failure %v, want %v", pe.Failure, want.failure)
	}
	if got := d.Header.Get("Location"); got != want.location {
		t.Errorf("Location\n got %q\nwant %q", got, want.location)
	}
	wantRedirectTo := ""
	if want.location != "" {
		wantRedirectTo = "true"
	}
	if got := d.Header.Get("X-Clerk-Redirect-To"); got != wantRedirectTo {
		t.Errorf("x-clerk-redirect-to %q, want %q", got, wantRedirectTo)
	}
	if got := d.Header.Get("WWW-Authenticate"); got != want.wwwAuth {
		t.Errorf("WWW-Authenticate %q, want %q", got, want.wwwAuth)
	}
	if got := d.Header.Get("Retry-After"); got != want.retryAfter {
		t.Errorf("Retry-After %q, want %q", got, want.retryAfter)
	}
	if got := string(d.Body); got != want.body {
		t.Errorf("body %q, want %q", got, want.body)
	}
	if got := clerk.DecisionFor(err); got == nil || got.Status != d.Status {
		t.Errorf("DecisionFor(err) = %+v, want the error's decision", got)
	}
}

// Outcome codes of the table, expanded per request kind by outcome().
const (
	outOK           = "ok"            // Protect returns nil
	outUnauthn      = "unauthn"       // page: 307 to sign-in with redirect_url; else 404
	outUnauthnTasks = "unauthn-tasks" // the same, to <sign-in>/tasks (pending session)
	outUnauthnURL   = "unauthn-url"   // 307 to UnauthenticatedURL, any request
	outUnauthz      = "unauthz"       // 404
	outUnauthzURL   = "unauthz-url"   // 307 to UnauthorizedURL
	out401          = "401"           // empty 401
	out401OAuth     = "401-oauth"     // 401 with WWW-Authenticate resource metadata
	out403          = "403"           // reverification hint for "strict"
	out403Custom    = "403-custom"    // reverification hint for the custom requirement
	out503          = "503"
	strictHint      = `{"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{"reverification":"strict"}}}`
	customHint      = `{"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{"reverification":{"level":"second_factor","afterMinutes":3}}}}`
	notFoundBody    = "Not Found"
	oauthMetadata   = `Bearer resource_metadata="https://%s/.well-known/oauth-protected-resource"`
)

func outcome(code string, page bool, st authState) decision {
	signIn, fapi := st.signIn, st.fapi
	if signIn == "" {
		signIn = ptSignIn
	}
	if fapi == "" {
		fapi = ptFAPI
	}
	redirect := func(failure clerk.ProtectFailure, loc string) decision {
		return decision{status: 307, failure: failure, location: loc}
	}
	switch code {
	case outOK:
		return decision{}
	case outUnauthn, outUnauthnTasks:
		if !page {
			return decision{status: 404, failure: clerk.Unauthenticated, body: notFoundBody}
		}
		target := signIn
		if code == outUnauthnTasks {
			target += "/tasks"
		}
		return redirect(clerk.Unauthenticated, target+"?"+ptReturnArg)
	case outUnauthnURL:
		return redirect(clerk.Unauthenticated, "https://app.example.com/login")
	case outUnauthz:
		return decision{status: 404, failure: clerk.Unauthorized, body: notFoundBody}
	case outUnauthzURL:
		return redirect(clerk.Unauthorized, "https://app.example.com/no-access")
	case out401:
		return decision{status: 401, failure: clerk.Unauthorized}
	case out401OAuth:
		return decision{status: 401, failure: clerk.Unauthorized, wwwAuth: strings.Replace(oauthMetadata, "%s", fapi, 1)}
	case out403:
		return decision{status: 403, failure: clerk.ReverificationRequired, body: strictHint}
	case out403Custom:
		return decision{status: 403, failure: clerk.ReverificationRequired, body: customHint}
	case out503:
		return decision{status: 503, failure: clerk.Unavailable, retryAfter: "5", body: "Service Unavailable"}
	}
	panic("unknown outcome " + code)
}

// protectCalls are the call forms of spec §5.1, in the table's column order.
var protectCalls = []struct {
	name string
	opts []clerk.ProtectOption
}{
	{"none", nil},
	{"zero-check", []clerk.ProtectOption{clerk.Check{}}},
	{"session-token", []clerk.ProtectOption{clerk.AcceptsToken(clerk.SessionToken)}},
	{"role", []clerk.ProtectOption{clerk.Role("org:admin")}},
	{"role-unprefixed", []clerk.ProtectOption{clerk.Role("admin")}},
	{"permission", []clerk.ProtectOption{clerk.Permission("org:invoices:create")}},
	{"feature", []clerk.ProtectOption{clerk.Feature("o:reports")}},
	{"plan", []clerk.ProtectOption{clerk.Plan("pro")}},
	{"reverification", []clerk.ProtectOption{clerk.Reverification(clerk.Strict)}},
	{"role+permission", []clerk.ProtectOption{clerk.Role("org:admin"), clerk.Permission("org:invoices:create")}},
	{"role+missing-permission", []clerk.ProtectOption{clerk.Role("org:admin"), clerk.Permission("org:invoices:delete")}},
	{"feature+plan+reverification", []clerk.ProtectOption{clerk.Feature("reports"), clerk.Plan("o:business"), clerk.Reverification(clerk.Moderate)}},
	{"condition-or", []clerk.ProtectOption{clerk.Condition(func(has clerk.HasFunc) bool {
		return has(clerk.Role("org:admin")) || has(clerk.Permission("org:invoices:read"))
	})}},
	{"condition-true", []clerk.ProtectOption{clerk.Condition(func(clerk.HasFunc) bool { return true })}},
	{"condition-false", []clerk.ProtectOption{clerk.Condition(func(clerk.HasFunc) bool { return false })}},
	{"accepts-api-key", []clerk.ProtectOption{clerk.AcceptsToken(clerk.APIKey)}},
	{"accepts-m2m", []clerk.ProtectOption{clerk.AcceptsToken(clerk.M2MToken)}},
	{"accepts-oauth", []clerk.ProtectOption{clerk.AcceptsToken(clerk.OAuthToken)}},
	{"accepts-m2m-or-api-key", []clerk.ProtectOption{clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)}},
	{"accepts-session-or-api-key", []clerk.ProtectOption{clerk.AcceptsToken(clerk.SessionToken, clerk.APIKey)}},
	{"accepts-any", []clerk.ProtectOption{clerk.AcceptsToken(clerk.AnyToken)}},
	{"api-key+role", []clerk.ProtectOption{clerk.AcceptsToken(clerk.APIKey), clerk.Role("org:admin")}},
	{"unauthenticated-url", []clerk.ProtectOption{clerk.UnauthenticatedURL("/login")}},
	{"unauthorized-url", []clerk.ProtectOption{clerk.Role("org:admin"), clerk.UnauthorizedURL("/no-access")}},
	{"both-urls", []clerk.ProtectOption{clerk.Role("org:admin"), clerk.UnauthenticatedURL("/login"), clerk.UnauthorizedURL("/no-access")}},
	{"require-reverification", []clerk.ProtectOption{clerk.RequireReverification(clerk.Strict)}},
	{"require-reverification-custom", []clerk.ProtectOption{clerk.RequireReverification(clerk.ReverificationConfig{Level: clerk.SecondFactor, AfterMinutes: 3})}},
	{"role+require-reverification", []clerk.ProtectOption{clerk.Role("org:admin"), clerk.RequireReverification(clerk.Strict)}},
}

// expectation is one auth state's row of the table: the outcome of every
// call, def for those not listed.
type expectation struct {
	def  string
	only map[string]string
}

func (e expectation) of(call string) string {
	if c, found := e.only[call]; found {
		return c
	}
	return e.def
}

// machineOnly are the outcomes every session state shares for the calls
// that accept only machine tokens.
func sessionRow(def string, calls map[string]string) expectation {
	m := map[string]string{
		"accepts-api-key": out401, "accepts-m2m": out401, "accepts-oauth": out401,
		"accepts-m2m-or-api-key": out401, "api-key+role": out401,
	}
	for k, v := range calls {
		m[k] = v
	}
	return expectation{def: def, only: m}
}

// TestProtectDecisionTable is issue 5's table: request kind x auth state x
// protect call -> decision, every branch of spec §5.2 and §5.3.
func TestProtectDecisionTable(t *testing.T) {
	t.Parallel()
	prod := ptClient(t, nil)
	exposed := ptClient(t, func(o *clerk.Options) { f := false; o.TreatPendingAsSignedOut = &f })

	// Clerk unreachable: the JWKS endpoint answers 503. A client per
	// subtest, so that each starts with a cold key cache (concurrent
	// requests on one client: TestConcurrentRequestsWhileKeysAreDown).
	down := func(t testing.TB) *clerk.Client { return unreachableClient(t, http.StatusServiceUnavailable) }
	// Machine tokens are verified by a development instance.
	inst := clerkdev.NewTestInstance(t, clerkdev.Config{Key: ptKey(), Clock: func() time.Time { return ptNow }})
	mc, err := clerk.New(clerk.Options{SecretKey: inst.SecretKey(), PublishableKey: inst.PublishableKey(),
		APIURL: inst.APIURL(), JWTKey: inst.PublicKeyPEM(), Clock: func() time.Time { return ptNow }})
	if err != nil {
		t.Fatal(err)
	}
	instHost := strings.TrimPrefix(inst.URL(), "http://")
	instSignIn := "https://" + instHost + "/sign-in" // no "clerk." to replace
	apiKey, err := inst.CreateAPIKey("user_1", "ci", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	m2m, err := inst.CreateM2MToken("mch_1", nil)
	if err != nil {
		t.Fatal(err)
	}
	oauth, err := inst.CreateOAuthToken("user_1", "client_1", []string{"profile"})
	if err != nil {
		t.Fatal(err)
	}
	// The Backend API is unreachable for machine tokens too.
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()
	mdown, err := clerk.New(clerk.Options{SecretKey: inst.SecretKey(), PublishableKey: inst.PublishableKey(),
		APIURL: closed.URL, JWTKey: inst.PublicKeyPEM(), Clock: func() time.Time { return ptNow }})
	if err != nil {
		t.Fatal(err)
	}
	machineReady := machineVerificationWorks(mc, apiKey.Token)

	admin := ptSession(
		clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "org:admin", Permissions: []string{"org:invoices:create", "org:invoices:read"}}),
		clerktest.WithFeatures("o:reports", "u:chat"), clerktest.WithPlans("u:pro", "o:business"), clerktest.WithFactorAge(5, 5))
	member := ptSession(
		clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "org:member", Permissions: []string{"org:invoices:read"}}),
		clerktest.WithFactorAge(120, -1))
	user := ptSession()
	pending := ptSession(clerktest.WithSessionStatus("pending"))

	states := []struct {
		authState
		want expectation
	}{
		{authState{name: "signed-out", client: prod},
			sessionRow(outUnauthn, map[string]string{"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL})},
		{authState{name: "signed-in-user", client: prod, cookie: sessionCookies(user)},
			sessionRow(outUnauthz, map[string]string{
				"none": outOK, "zero-check": outOK, "session-token": outOK, "condition-true": outOK,
				"accepts-session-or-api-key": outOK, "accepts-any": outOK, "unauthenticated-url": outOK,
				"unauthorized-url": outUnauthzURL, "both-urls": outUnauthzURL,
				"require-reverification": out403, "require-reverification-custom": out403Custom,
			})},
		{authState{name: "signed-in-user-header", client: prod, bearer: user},
			sessionRow(outUnauthz, map[string]string{
				"none": outOK, "zero-check": outOK, "session-token": outOK, "condition-true": outOK,
				"accepts-session-or-api-key": outOK, "accepts-any": outOK, "unauthenticated-url": outOK,
				"unauthorized-url": outUnauthzURL, "both-urls": outUnauthzURL,
				"require-reverification": out403, "require-reverification-custom": out403Custom,
			})},
		{authState{name: "org-admin", client: prod, cookie: sessionCookies(admin)},
			sessionRow(outOK, map[string]string{
				"role+missing-permission": outUnauthz, "condition-false": outUnauthz,
				"require-reverification-custom": out403Custom,
			})},
		{authState{name: "org-member-stale-factors", client: prod, cookie: sessionCookies(member)},
			sessionRow(outUnauthz, map[string]string{
				"none": outOK, "zero-check": outOK, "session-token": outOK, "condition-or": outOK, "condition-true": outOK,
				"accepts-session-or-api-key": outOK, "accepts-any": outOK, "unauthenticated-url": outOK,
				"unauthorized-url": outUnauthzURL, "both-urls": outUnauthzURL,
				"require-reverification": out403, "require-reverification-custom": out403Custom,
				"role+require-reverification": outUnauthz,
			})},
		{authState{name: "pending-treated-as-signed-out", client: prod, cookie: sessionCookies(pending)},
			sessionRow(outUnauthnTasks, map[string]string{"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL})},
		{authState{name: "pending-exposed", client: exposed, cookie: sessionCookies(pending)},
			sessionRow(outUnauthnTasks, map[string]string{"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL})},
		// The middleware accepted only machine tokens: a session cookie
		// gives the invalid-token object.
		{authState{name: "invalid-token-object", client: prod, cookie: sessionCookies(admin),
			accepts: ptPtr(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey))},
			sessionRow(outUnauthn, map[string]string{"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL,
				"accepts-session-or-api-key": out401, "accepts-any": out401})},
		{authState{name: "clerk-unreachable", fresh: down, cookie: sessionCookies(admin)},
			sessionRow(out503, nil)},
		{authState{name: "api-key", client: mc, signIn: instSignIn, fapi: instHost, bearer: apiKey.Token, machine: true},
			expectation{def: outUnauthn, only: map[string]string{
				"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL,
				"accepts-api-key": outOK, "accepts-m2m": out401, "accepts-oauth": out401,
				"accepts-m2m-or-api-key": outOK, "accepts-session-or-api-key": outOK, "accepts-any": outOK, "api-key+role": outOK,
			}}},
		{authState{name: "m2m-token", client: mc, signIn: instSignIn, fapi: instHost, bearer: m2m.Token, machine: true},
			expectation{def: outUnauthn, only: map[string]string{
				"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL,
				"accepts-api-key": out401, "accepts-m2m": outOK, "accepts-oauth": out401,
				"accepts-m2m-or-api-key": outOK, "accepts-session-or-api-key": out401, "accepts-any": outOK, "api-key+role": out401,
			}}},
		{authState{name: "oauth-token", client: mc, signIn: instSignIn, fapi: instHost, bearer: oauth.Token, machine: true},
			expectation{def: outUnauthn, only: map[string]string{
				"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL,
				"accepts-api-key": out401OAuth, "accepts-m2m": out401OAuth, "accepts-oauth": outOK,
				"accepts-m2m-or-api-key": out401OAuth, "accepts-session-or-api-key": out401OAuth, "accepts-any": outOK, "api-key+role": out401OAuth,
			}}},
		{authState{name: "oauth-token-invalid", client: mc, signIn: instSignIn, fapi: instHost, bearer: "oat_" + strings.Repeat("0", 32), machine: true},
			expectation{def: outUnauthn, only: map[string]string{
				"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL,
				"accepts-api-key": out401OAuth, "accepts-m2m": out401OAuth, "accepts-oauth": out401OAuth,
				"accepts-m2m-or-api-key": out401OAuth, "accepts-session-or-api-key": out401OAuth, "accepts-any": out401OAuth, "api-key+role": out401OAuth,
			}}},
		{authState{name: "m2m-token-invalid", client: mc, signIn: instSignIn, fapi: instHost, bearer: "mt_" + strings.Repeat("0", 32), machine: true},
			expectation{def: outUnauthn, only: map[string]string{
				"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL,
				"accepts-api-key": out401, "accepts-m2m": out401, "accepts-oauth": out401,
				"accepts-m2m-or-api-key": out401, "accepts-session-or-api-key": out401, "accepts-any": out401, "api-key+role": out401,
			}}},
		// Machine verification cannot reach the Backend API: 503 where the
		// route accepts the token, the usual refusal where it does not.
		{authState{name: "api-key-clerk-unreachable", client: mdown, signIn: instSignIn, fapi: instHost, bearer: apiKey.Token},
			expectation{def: outUnauthn, only: map[string]string{
				"unauthenticated-url": outUnauthnURL, "both-urls": outUnauthnURL,
				"accepts-api-key": out503, "accepts-m2m": out401, "accepts-oauth": out401,
				"accepts-m2m-or-api-key": out503, "accepts-session-or-api-key": out503, "accepts-any": out503, "api-key+role": out503,
			}}},
	}

	cases := 0
	for _, st := range states {
		for _, kind := range requestKinds {
			cases += len(protectCalls)
			t.Run(st.name+"/"+kind.name, func(t *testing.T) {
				t.Parallel()
				if st.machine && !machineReady {
					t.Fatal("the development instance's API key does not verify")
				}
				s := st.authenticate(t, kind)
				for _, call := range protectCalls {
					t.Run(call.name, func(t *testing.T) {
						want := outcome(st.want.of(call.name), kind.page, st.authState)
						checkDecision(t, s.Auth.Protect(call.opts...), want)
						// A Protector built once decides the same.
						checkDecision(t, clerk.NewProtector(call.opts...).Protect(s.Auth), want)
					})
				}
			})
		}
	}
	t.Logf("%d protect cases (%d states x %d request kinds x %d calls)", cases, len(states), len(requestKinds), len(protectCalls))
}

// unreachableClient is a production client of the table whose JWKS
// endpoint answers status: Clerk is unreachable.
func unreachableClient(t testing.TB, status int) *clerk.Client {
	t.Helper()
	sk := "sk_live_" + strings.Repeat("x", 40)
	jwks := clerktest.NewJWKSServer(t, sk, ptKey())
	// A Backend API error answer (JSON), as Clerk's gateway sends; a body
	// that is not JSON is TestJWKSErrors' "not JSON" case.
	jwks.SetFailure(status, `{"errors":[{"code":"service_unavailable","message":"down"}]}`)
	c, err := clerk.New(clerk.Options{SecretKey: sk, PublishableKey: clerktest.LivePublishableKey(ptFAPI),
		APIURL: jwks.URL(), HTTPClient: jwks.Client(), Clock: func() time.Time { return ptNow }})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// machineVerificationWorks reports whether the client verifies a valid API
// key, a precondition of the machine rows.
func machineVerificationWorks(c *clerk.Client, token string) bool {
	r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Authorization": "Bearer " + token})
	return c.Authenticate(context.Background(), clerk.NewRequest(r), clerk.AcceptsToken(clerk.APIKey)).IsAuthenticated()
}

// Calling Protect on an Auth that did not come from Authenticate fails
// closed with 500, never open.
func TestProtectWithoutMiddleware(t *testing.T) {
	t.Parallel()
	var nilAuth *clerk.Auth
	for name, a := range map[string]*clerk.Auth{
		"nil":          nilAuth,
		"zero":         {},
		"hand-made":    {TokenType: clerk.SessionToken, IsAuthenticated: true, UserID: "user_1"},
		"from-context": clerk.AuthFromContext(context.Background()),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, err := range []error{a.Protect(), a.Protect(clerk.Role("admin")), a.RedirectToSignIn(), a.RedirectToSignUp(), a.Redirect("/x")} {
				var pe *clerk.ProtectError
				if !errors.As(err, &pe) || pe.Failure != clerk.Misconfigured || pe.Decision.Status != 500 {
					t.Fatalf("got %v, want a Misconfigured 500", err)
				}
				// The visitor reads nothing about the server's setup; the
				// developer finds the cause in the error (and Decision.Err).
				if string(pe.Decision.Body) != "Internal Server Error" {
					t.Errorf("body %q, want a plain Internal Server Error", pe.Decision.Body)
				}
				if !strings.Contains(err.Error(), "middleware") {
					t.Errorf("error %q does not say the middleware is missing", err)
				}
				if d := clerk.DecisionFor(err); d.Err != err {
					t.Errorf("DecisionFor(err).Err = %v, want the error", d.Err)
				}
			}
		})
	}
}

// A nil option and a nil condition never panic; a nil condition fails.
func TestProtectNilOptions(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(ptSession())})
	a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
	if err := a.Protect(nil); err != nil {
		t.Errorf("Protect(nil) = %v, want nil", err)
	}
	checkDecision(t, a.Protect(clerk.Condition(nil)), decision{status: 404, failure: clerk.Unauthorized, body: notFoundBody})
	// A nil requirement always fails, like Reverification(nil).
	checkDecision(t, a.Protect(clerk.RequireReverification(nil)), decision{status: 403, failure: clerk.ReverificationRequired,
		body: `{"clerk_error":{"type":"forbidden","reason":"reverification-error","metadata":{"reverification":null}}}`})
}

// Each Condition sees the request's Has, and all of them must pass.
func TestProtectConditionsAreANDed(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	tok := ptSession(clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "org:admin"}))
	r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(tok)})
	a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
	isAdmin := clerk.Condition(func(has clerk.HasFunc) bool { return has(clerk.Role("admin")) })
	isBilling := clerk.Condition(func(has clerk.HasFunc) bool { return has(clerk.Role("billing")) })
	if err := a.Protect(isAdmin); err != nil {
		t.Errorf("Protect(isAdmin) = %v", err)
	}
	checkDecision(t, a.Protect(isAdmin, isBilling), decision{status: 404, failure: clerk.Unauthorized, body: notFoundBody})
	checkDecision(t, a.Protect(isAdmin, clerk.Role("billing")), decision{status: 404, failure: clerk.Unauthorized, body: notFoundBody})
}

// In a machine-token context (a route that accepts only machine tokens, or
// a machine token on any route) a refusal is 401: UnauthenticatedURL and
// UnauthorizedURL never turn it into a redirect (spec §5.2 unauthorized()).
func TestProtectMachineContextIgnoresRedirectURLs(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	urls := []clerk.ProtectOption{clerk.UnauthenticatedURL("/login"), clerk.UnauthorizedURL("/no-access")}
	for _, tc := range []struct {
		name   string
		header map[string]string
	}{
		{"anonymous page", map[string]string{"Sec-Fetch-Dest": "document", "Accept": "text/html"}},
		{"anonymous API call", map[string]string{"Accept": "application/json"}},
		{"session token", map[string]string{"Authorization": "Bearer " + ptSession(), "Accept": "text/html"}},
		{"session cookie", map[string]string{"Cookie": sessionCookies(ptSession()), "Sec-Fetch-Dest": "document"}},
	} {
		r := newRequest(http.MethodGet, ptPageURL, tc.header)
		a := c.Authenticate(context.Background(), clerk.NewRequest(r), clerk.AcceptsToken(clerk.AnyToken)).Auth
		for _, accepts := range []clerk.TokenAcceptance{clerk.AcceptsToken(clerk.M2MToken), clerk.AcceptsToken(clerk.APIKey, clerk.OAuthToken)} {
			for _, u := range urls {
				var pe *clerk.ProtectError
				err := a.Protect(accepts, u)
				if !errors.As(err, &pe) || pe.Decision.Status != http.StatusUnauthorized || pe.Decision.Header.Get("Location") != "" {
					t.Errorf("%s, %v: %v, want a 401 without Location", tc.name, accepts, err)
				}
			}
		}
	}
}

// Checks of the same kind are ANDed: a permission the user lacks is never
// hidden by a later one the user holds (audit finding: last-wins let
// Protect(Permission(missing), Permission(held)) through).
func TestProtectSameKindChecksAreANDed(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	tok := ptSession(clerktest.WithOrg(clerktest.Org{ID: "org_1", Role: "org:member", Permissions: []string{"org:invoices:read"}}))
	r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Authorization": "Bearer " + tok})
	a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
	refused := decision{status: 404, failure: clerk.Unauthorized, body: notFoundBody}
	for _, opts := range [][]clerk.ProtectOption{
		{clerk.Permission("org:invoices:delete"), clerk.Permission("org:invoices:read")},
		{clerk.Permission("org:invoices:read"), clerk.Permission("org:invoices:delete")},
		{clerk.Role("org:admin"), clerk.Role("org:member")},
		{clerk.Role("org:member"), clerk.Role("org:admin")},
	} {
		checkDecision(t, a.Protect(opts...), refused)
		checkDecision(t, clerk.NewProtector(opts...).Protect(a), refused)
	}
	if err := a.Protect(clerk.Role("member"), clerk.Permission("org:invoices:read"), clerk.Permission("invoices:read")); err != nil {
		t.Errorf("every check holds, Protect = %v", err)
	}
}

func TestProtectErrorText(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	r := newRequest(http.MethodGet, ptPageURL, nil)
	a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
	err := a.Protect()
	if got, want := err.Error(), "clerk: protect: unauthenticated (404)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	cause := errors.New("boom")
	pe := &clerk.ProtectError{Failure: clerk.Unavailable, Decision: clerk.Decision{Status: 503}, Err: cause}
	if !errors.Is(pe, cause) || pe.Error() != "clerk: protect: authentication unavailable (503): boom" {
		t.Errorf("Error() = %q, Unwrap must give the cause", pe.Error())
	}
	for f, want := range map[clerk.ProtectFailure]string{clerk.Unauthorized: "unauthorized", clerk.ReverificationRequired: "reverification required",
		clerk.BadRequest: "bad request", clerk.Misconfigured: "misconfigured", 0: "refused"} {
		if got := (&clerk.ProtectError{Failure: f}).Error(); !strings.Contains(got, want) {
			t.Errorf("Failure %d: %q does not contain %q", f, got, want)
		}
	}
}

// The 503 keeps Clerk's reason on the state, and the ProtectError carries
// the cause (design §4.2).
func TestProtectUnavailableKeepsTheCause(t *testing.T) {
	t.Parallel()
	c := unreachableClient(t, http.StatusBadGateway)
	r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Authorization": "Bearer " + ptSession()})
	s := c.Authenticate(context.Background(), clerk.NewRequest(r))
	if s.Reason != clerk.ReasonRemoteJWKFailedToLoad || !s.Unavailable() {
		t.Fatalf("state reason %q unavailable %v, want %q", s.Reason, s.Unavailable(), clerk.ReasonRemoteJWKFailedToLoad)
	}
	err := s.Auth.Protect()
	if !errors.Is(err, clerk.ReasonRemoteJWKFailedToLoad) {
		t.Errorf("Protect = %v, want it to wrap the JWKS error", err)
	}
	checkDecision(t, err, decision{status: 503, failure: clerk.Unavailable, retryAfter: "5", body: "Service Unavailable"})
}

func ptPtr[T any](v T) *T { return &v }

// TestRedirectToSignInAndUp pins createRedirect (spec §5.4) and Next's
// dev-browser decoration, with Clerk's test vectors where it has them.
func TestRedirectToSignInAndUp(t *testing.T) {
	t.Parallel()
	const (
		katydid   = "clerk.included.katydid-92.lcl.dev"
		portal    = "https://accounts.included.katydid-92.lcl.dev"
		protected = "https://www.clerk.com/protected"
		back      = "redirect_url=https%3A%2F%2Fwww.clerk.com%2Fprotected"
	)
	devSK := clerktest.SecretKey()
	dev := func(o *clerk.Options) {
		o.PublishableKey, o.SecretKey = clerktest.PublishableKey(katydid), devSK
	}
	devBrowser := map[string]string{"Cookie": "__clerk_db_jwt=test_jwt"}
	tests := []struct {
		name   string
		mod    func(*clerk.Options)
		target string
		header map[string]string
		signUp bool
		opts   []clerk.RedirectOption
		want   string
	}{
		// Clerk's test (serverRedirectWithAuth): development keys, a
		// cross-origin Account Portal, the dev browser from the cookie.
		{name: "dev account portal with dev browser", mod: dev, target: protected, header: devBrowser,
			want: portal + "/sign-in?" + back + "&__clerk_db_jwt=test_jwt"},
		{name: "dev sign-up", mod: dev, target: protected, header: devBrowser, signUp: true,
			want: portal + "/sign-up?" + back + "&__clerk_db_jwt=test_jwt"},
		{name: "no return-back URL", mod: dev, target: protected, header: devBrowser, opts: []clerk.RedirectOption{clerk.ReturnBackURL("")},
			want: portal + "/sign-in?__clerk_db_jwt=test_jwt"},
		{name: "explicit return-back URL resolved against the request", mod: dev, target: protected, header: devBrowser,
			opts: []clerk.RedirectOption{clerk.ReturnBackURL("/after?x=1 2")},
			want: portal + "/sign-in?redirect_url=https%3A%2F%2Fwww.clerk.com%2Fafter%3Fx%3D1%25202&__clerk_db_jwt=test_jwt"},
		{name: "suffixed dev-browser cookie only is not copied", mod: dev, target: protected,
			header: map[string]string{"Cookie": "__clerk_db_jwt_" + clerk.CookieSuffix(clerktest.PublishableKey(katydid)) + "=test_jwt"},
			want:   portal + "/sign-in?" + back},
		{name: "production keys never carry the dev browser", target: protected, header: devBrowser,
			mod:  func(o *clerk.Options) { o.PublishableKey = clerktest.LivePublishableKey("clerk.clerk.com") },
			want: "https://accounts.clerk.com/sign-in?" + back},
		{name: "development key without a secret key: no dev browser (Clerk checks the secret key)", target: protected, header: devBrowser,
			mod:  func(o *clerk.Options) { o.PublishableKey = clerktest.PublishableKey(katydid) },
			want: portal + "/sign-in?" + back},
		{name: "clerk.accounts.dev instance", target: protected,
			mod: func(o *clerk.Options) {
				o.PublishableKey = clerktest.LivePublishableKey("happy-hippo-1.clerk.accounts.dev")
			},
			want: "https://happy-hippo-1.accounts.dev/sign-in?" + back},
		{name: "same-origin sign-in page: no dev browser", target: protected, header: devBrowser,
			mod:  func(o *clerk.Options) { dev(o); o.SignInURL = "/sign-in" },
			want: "https://www.clerk.com/sign-in?" + back},
		{name: "sign-up from the sign-in URL (combined flow)", target: protected, header: devBrowser, signUp: true,
			mod:  func(o *clerk.Options) { dev(o); o.SignInURL = "/sign-in" },
			want: "https://www.clerk.com/sign-in/create?" + back},
		{name: "sign-up from an absolute sign-in URL keeps its query", target: protected, signUp: true,
			mod:  func(o *clerk.Options) { o.SignInURL = "https://example.com/hello?lang=en" },
			want: "https://example.com/hello/create?lang=en&" + back},
		{name: "sign-up URL wins", target: protected, signUp: true,
			mod:  func(o *clerk.Options) { o.SignInURL, o.SignUpURL = "/in", "/up" },
			want: "https://www.clerk.com/up?" + back},
		{name: "scheme change only is not cross-origin for createRedirect but is for the dev browser",
			target: "http://localhost:3000/p", header: devBrowser,
			mod:  func(o *clerk.Options) { dev(o); o.SignInURL = "https://localhost:3000/sign-in" },
			want: "https://localhost:3000/sign-in?redirect_url=http%3A%2F%2Flocalhost%3A3000%2Fp&__clerk_db_jwt=test_jwt"},
		{name: "default port is the same origin", target: "https://www.clerk.com/p", header: devBrowser,
			mod:  func(o *clerk.Options) { dev(o); o.SignInURL = "https://WWW.Clerk.com:443/sign-in" },
			want: "https://www.clerk.com/sign-in?redirect_url=https%3A%2F%2Fwww.clerk.com%2Fp"},
		{name: "a dev browser already in the sign-in URL wins and moves last", target: protected, header: devBrowser,
			mod: func(o *clerk.Options) {
				dev(o)
				o.SignInURL = "https://auth.example.com/sign-in?__clerk_db_jwt=mine&a=1"
			},
			want: "https://auth.example.com/sign-in?a=1&" + back + "&__clerk_db_jwt=mine"},
		{name: "satellite: the return URL asks for a sync", target: "https://satellite.dev/protected?x=1",
			mod: func(o *clerk.Options) {
				o.PublishableKey, o.IsSatellite, o.Domain, o.SignInURL = clerktest.LivePublishableKey("clerk.primary.dev"), true, "satellite.dev", "https://primary.dev/sign-in"
			},
			want: "https://primary.dev/sign-in?redirect_url=https%3A%2F%2Fsatellite.dev%2Fprotected%3Fx%3D1%26__clerk_synced%3Dfalse"},
		{name: "satellite with a same-origin sign-in page: no sync", target: "https://satellite.dev/protected",
			mod: func(o *clerk.Options) {
				o.PublishableKey, o.IsSatellite, o.Domain, o.SignInURL = clerktest.LivePublishableKey("clerk.primary.dev"), true, "satellite.dev", "https://satellite.dev/sign-in"
			},
			want: "https://satellite.dev/sign-in?redirect_url=https%3A%2F%2Fsatellite.dev%2Fprotected"},
		{name: "forwarded host and proto are the current URL", target: "http://10.0.0.7:8080/p?q=1",
			header: map[string]string{"X-Forwarded-Host": "app.example.com", "X-Forwarded-Proto": "https"},
			mod:    func(o *clerk.Options) { o.PublishableKey = clerktest.LivePublishableKey(ptFAPI) },
			want:   ptSignIn + "?redirect_url=https%3A%2F%2Fapp.example.com%2Fp%3Fq%3D1"},
		{name: "query re-encoded as URLSearchParams does", target: "https://app.example.com/p?a=%7E&b=c+d",
			mod: func(o *clerk.Options) {
				o.PublishableKey = clerktest.LivePublishableKey(ptFAPI)
				o.SignInURL = "https://auth.example.com/in?x=%7e*~&y"
			},
			want: "https://auth.example.com/in?x=%7E*%7E&y=&redirect_url=https%3A%2F%2Fapp.example.com%2Fp%3Fa%3D%257E%26b%3Dc%2Bd"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := ptClient(t, func(o *clerk.Options) {
				o.PublishableKey = ""
				tt.mod(o)
			})
			r := newRequest(http.MethodGet, tt.target, tt.header)
			a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
			var err error
			if tt.signUp {
				err = a.RedirectToSignUp(tt.opts...)
			} else {
				err = a.RedirectToSignIn(tt.opts...)
			}
			checkDecision(t, err, decision{status: 307, failure: clerk.Unauthenticated, location: tt.want})
		})
	}
}

// Pending sessions are sent to the tasks page, from Protect and from the
// redirect helpers, however TreatPendingAsSignedOut is set (spec §5.5).
func TestRedirectPendingSessionToTasks(t *testing.T) {
	t.Parallel()
	for _, treat := range []bool{true, false} {
		c := ptClient(t, func(o *clerk.Options) { o.TreatPendingAsSignedOut = &treat; o.SignInURL = "/sign-in/" })
		r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(ptSession(clerktest.WithSessionStatus("pending")))})
		a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
		// Clerk appends "/tasks" to the URL string as it is.
		want := "https://app.example.com/sign-in//tasks?" + ptReturnArg
		checkDecision(t, a.RedirectToSignIn(), decision{status: 307, failure: clerk.Unauthenticated, location: want})
		checkDecision(t, a.RedirectToSignUp(), decision{status: 307, failure: clerk.Unauthenticated,
			location: "https://app.example.com/sign-in//create/tasks?" + ptReturnArg})
	}
}

// Without a sign-in URL or a publishable key there is nowhere to send the
// user: 500, as Clerk throws its missing-publishable-key error.
func TestRedirectWithoutSignInPage(t *testing.T) {
	t.Parallel()
	c := ptClient(t, func(o *clerk.Options) { o.PublishableKey = "" })
	r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Accept": "text/html"})
	a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
	for _, err := range []error{a.RedirectToSignIn(), a.RedirectToSignUp(), a.Protect()} {
		var pe *clerk.ProtectError
		if !errors.As(err, &pe) || pe.Failure != clerk.Misconfigured || pe.Decision.Status != 500 {
			t.Fatalf("got %v, want Misconfigured 500", err)
		}
		var ce *clerk.ConfigError
		if !errors.As(err, &ce) || ce.Field != "PublishableKey" {
			t.Errorf("cause %v, want a PublishableKey *ConfigError", pe.Err)
		}
	}
	// An API request still gets its 404: no page is needed.
	r = newRequest(http.MethodGet, ptPageURL, map[string]string{"Accept": "application/json"})
	checkDecision(t, c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth.Protect(),
		decision{status: 404, failure: clerk.Unauthenticated, body: notFoundBody})
}

func TestDecisionFor(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	a := c.Authenticate(context.Background(), clerk.NewRequest(newRequest(http.MethodGet, ptPageURL, nil))).Auth
	protectErr := a.Protect()
	malformed := &clerk.MalformedURLError{Path: "/api/%zz"}
	tests := []struct {
		name   string
		err    error
		status int
		body   string
	}{
		{"protect error", protectErr, 404, "Not Found"},
		{"wrapped protect error", fmt.Errorf("handler: %w", protectErr), 404, "Not Found"},
		{"malformed URL", malformed, 400, "Bad Request"},
		{"malformed URL wins over a protect error", errors.Join(malformed, protectErr), 400, "Bad Request"},
		{"any other error is a bare 500", errors.New("db password is hunter2"), 500, "Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			d := clerk.DecisionFor(tt.err)
			if d == nil || d.Status != tt.status || string(d.Body) != tt.body {
				t.Fatalf("DecisionFor = %+v, want %d %q", d, tt.status, tt.body)
			}
		})
	}
	if clerk.DecisionFor(nil) != nil {
		t.Error("DecisionFor(nil) must be nil")
	}
	// The decision is a copy: changing it does not change the error's.
	d := clerk.DecisionFor(protectErr)
	d.Header.Set("X-Test", "1")
	if clerk.DecisionFor(protectErr).Header.Get("X-Test") != "" {
		t.Error("DecisionFor shares the error's header map")
	}
}

// TestAuthRedirect: Redirect answers 307 to the target resolved against the
// request URL, with Clerk's x-clerk-redirect-to header.
func TestAuthRedirect(t *testing.T) {
	t.Parallel()
	c := ptClient(t, nil)
	r := newRequest(http.MethodGet, ptPageURL, map[string]string{"Cookie": sessionCookies(ptSession())})
	a := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth
	for target, want := range map[string]string{
		"/select-org":                     "https://app.example.com/select-org",
		"https://other.example.com/x?y=1": "https://other.example.com/x?y=1",
		"select-org":                      "https://app.example.com/select-org",
	} {
		err := a.Redirect(target)
		var pe *clerk.ProtectError
		if !errors.As(err, &pe) || pe.Failure != clerk.Redirected {
			t.Fatalf("Redirect(%q) = %v, want a Redirected *ProtectError", target, err)
		}
		d := clerk.DecisionFor(err)
		if d.Status != http.StatusTemporaryRedirect || d.Header.Get("Location") != want || d.Header.Get(clerk.HeaderRedirectTo) != "true" {
			t.Errorf("Redirect(%q): %d Location %q, want 307 to %q", target, d.Status, d.Header.Get("Location"), want)
		}
	}
}
