package clerktest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
)

// Doer sends one request to an application running in process and returns
// its response: [HandlerDoer] for anything that is an [http.Handler], or a
// function around Fiber's app.Test.
type Doer func(*http.Request) (*http.Response, error)

// HandlerDoer returns a [Doer] that serves each request with h through an
// [httptest.ResponseRecorder].
func HandlerDoer(h http.Handler) Doer {
	return func(r *http.Request) (*http.Response, error) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		return rec.Result(), nil
	}
}

// AppConfig is what [RunAdapterConformance] asks a [Harness] to build.
type AppConfig struct {
	// Authenticator is what the adapter's Middleware authenticates with:
	// a *clerk.Client, or clerk.PerRequest for per-request options.
	Authenticator clerk.Authenticator
	// Handler, when not nil, goes to the adapter's WithHandler option:
	// Clerk's clerkMiddleware(handler) form. The suite's handler protects
	// the /dashboard routes with a route matcher.
	Handler func(auth *clerk.Auth, req clerk.Request) error
}

// Harness connects an adapter to [RunAdapterConformance].
//
// NewApp builds the application under test on a real router and returns a
// [Doer] for it. The suite calls it several times per run (the standard
// application, the handler form, a Clerk outage, per-request options), so
// calls must not share state. The application runs the adapter's Middleware
// with cfg.Authenticator (and WithHandler(cfg.Handler) when cfg.Handler is
// not nil) on every request the router receives, whether a route matches or
// not, except /nomiddleware. It registers these GET routes:
//
//	path                name                 protection
//	/public             public               none
//	/protected          protected            Protect()
//	/admin              admin                a group (or prefix) /admin whose middleware is
//	/admin/settings     admin-settings       Protect(clerk.Role("org:admin"))
//	/perm               perm                 Protect(clerk.Permission("org:invoices:create"))
//	/machine            machine              Protect(clerk.AcceptsToken(clerk.M2MToken))
//	/apikey             apikey               Protect(clerk.AcceptsToken(clerk.APIKey))
//	/oauth              oauth                Protect(clerk.AcceptsToken(clerk.OAuthToken))
//	/machines           machines             Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey))
//	/any                any                  Protect(clerk.AcceptsToken(clerk.AnyToken))
//	/reverify           reverify             Protect(clerk.RequireReverification(clerk.Strict))
//	/orgs/:slug/whoami  whoami               Protect()
//	/dashboard          dashboard            none on the route (cfg.Handler protects it)
//	/dashboard/settings dashboard-settings   none on the route (cfg.Handler protects it)
//	/dashboard/users/:id dashboard-user      none on the route (cfg.Handler protects it)
//	/nomiddleware       nomiddleware         Protect(), outside the Middleware
//
// Each handler answers 200 with the body [AuthReport](name, accessor,
// clerk.AuthFromContext(ctx)), where accessor is what the adapter's accessor
// returns and ctx is the context downstream net/http code sees
// (r.Context(), c.Request.Context(), Fiber's c.Context()).
//
// Routers keep their default configuration, so that the path-bypass cases
// test what users get.
type Harness struct {
	NewApp func(t *testing.T, cfg AppConfig) Doer
}

// AuthReport is the body every route of a conformance application answers
// with: route names the route, fromAccessor is what the adapter's accessor
// returned (clerkgin.Auth(c), ...) and fromContext what
// clerk.AuthFromContext returned for the request context. The suite checks
// that both are the same Auth.
func AuthReport(route string, fromAccessor, fromContext *clerk.Auth) []byte {
	b, err := json.Marshal(authReport{
		Route:    route,
		Same:     fromAccessor == fromContext,
		Accessor: reportFields(fromAccessor),
		Context:  reportFields(fromContext),
	})
	if err != nil {
		panic("clerktest: encoding the auth report: " + err.Error()) // strings and bools only
	}
	return b
}

type authReport struct {
	Route    string      `json:"route"`
	Same     bool        `json:"samePointer"`
	Accessor *authFields `json:"accessor"`
	Context  *authFields `json:"context"`
}

// authFields are the Auth fields the suite compares, with Clerk's names.
type authFields struct {
	Nil             bool     `json:"nil,omitempty"`
	TokenType       string   `json:"tokenType"`
	IsAuthenticated bool     `json:"isAuthenticated"`
	UserID          string   `json:"userId,omitempty"`
	SessionID       string   `json:"sessionId,omitempty"`
	SessionStatus   string   `json:"sessionStatus,omitempty"`
	OrgID           string   `json:"orgId,omitempty"`
	OrgRole         string   `json:"orgRole,omitempty"`
	OrgSlug         string   `json:"orgSlug,omitempty"`
	OrgPermissions  []string `json:"orgPermissions,omitempty"`
	// Machine tokens.
	ID        string   `json:"id,omitempty"`
	Subject   string   `json:"subject,omitempty"`
	Scopes    []string `json:"scopes,omitempty"`
	Name      string   `json:"name,omitempty"`
	MachineID string   `json:"machineId,omitempty"`
	ClientID  string   `json:"clientId,omitempty"`
}

func reportFields(a *clerk.Auth) *authFields {
	if a == nil {
		return &authFields{Nil: true}
	}
	return &authFields{
		TokenType:       string(a.TokenType),
		IsAuthenticated: a.IsAuthenticated,
		UserID:          a.UserID,
		SessionID:       a.SessionID,
		SessionStatus:   a.SessionStatus,
		OrgID:           a.OrgID,
		OrgRole:         a.OrgRole,
		OrgSlug:         a.OrgSlug,
		OrgPermissions:  a.OrgPermissions,
		ID:              a.ID,
		Subject:         a.Subject,
		Scopes:          a.Scopes,
		Name:            a.Name,
		MachineID:       a.MachineID,
		ClientID:        a.ClientID,
	}
}

// RunAdapterConformance runs the behaviour every clerkguard adapter must
// have, as subtests of t: token sources and failures, every Protect
// outcome, Clerk's handshake redirects and the headers it sets, machine
// tokens, organization sync, the handler form with route matchers, Protect
// without Middleware failing closed, the Auth reaching both the
// framework's accessor and the request context, concurrent requests, and
// path-normalisation bypass attempts against protected prefixes. It is
// modelled on
// testing/slogtest: an adapter's test builds a real router in
// [Harness].NewApp and calls it.
//
//	func TestConformance(t *testing.T) {
//		clerktest.RunAdapterConformance(t, clerktest.Harness{NewApp: newApp})
//	}
//
// Keys are generated for each run and every Clerk endpoint the middleware
// needs is served on loopback. The list of cases, with their count, is
// logged (go test -v).
func RunAdapterConformance(t *testing.T, h Harness) {
	t.Helper()
	if h.NewApp == nil {
		t.Fatal("clerktest: RunAdapterConformance: Harness.NewApp is nil")
	}
	s := newConformanceSuite(t, h)
	cases := conformanceCases()
	names := make([]string, len(cases))
	for i, c := range cases {
		names[i] = c.name
	}
	t.Logf("clerkguard adapter conformance: %d cases: %s", len(cases), strings.Join(names, ", "))
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			c.run(t, s)
		})
	}
}

// conformanceHost is the Host of every request the suite sends.
const conformanceHost = "app.example.test"

// suite holds what the cases share: apps, the clock and the tokens.
type suite struct {
	now time.Time
	key *Key
	api *conformanceAPI // the standard app's Backend API, for opaque machine tokens

	std, handlerForm, outage, perRequest Doer

	plain, admin, member, permitted, fresh, stale string
}

func newConformanceSuite(t *testing.T, h Harness) *suite {
	t.Helper()
	now := time.Now().Truncate(time.Second)
	key := MustNewKey()
	sk := "sk_live_" + randomAlnum(40)
	srv := NewJWKSServer(t, sk, key)
	down := NewJWKSServer(t, sk, key)
	down.SetFailure(http.StatusServiceUnavailable, ClerkErrorJSON("service_unavailable", "Service unavailable", "Clerk is down for this test."))

	clock := NewClock(now)
	opts := func(apiURL string) clerk.Options {
		return clerk.Options{
			SecretKey:         sk,
			PublishableKey:    LivePublishableKey(DefaultFrontendAPI),
			APIURL:            apiURL,
			AuthorizedParties: []string{DefaultAuthorizedParty},
			OrganizationSync:  &clerk.OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug", "/orgs/:slug/(.*)"}},
			Logger:            slog.New(slog.DiscardHandler),
			Clock:             clock.Now,
		}
	}
	client := func(apiURL string) *clerk.Client {
		c, err := clerk.New(opts(apiURL))
		if err != nil {
			t.Fatalf("clerktest: building the conformance client: %v", err)
		}
		return c
	}
	// The standard app also verifies opaque machine tokens.
	api := newConformanceAPI(t, sk, now, srv)
	std := client(api.URL())
	// Segment-wise patterns, not a bare prefix: "/dashboard%2Fsettings" is
	// one segment to the matcher, so a router that routes on the decoded
	// path (Gin by default) would serve /dashboard/settings unprotected
	// unless its adapter hands the matcher the path it routes on; and
	// "/dashboard/users/42%2F{" is one segment to a router that routes on
	// the raw path, two to a matcher that read Go's re-encoded path.
	isDashboard := clerk.MustRouteMatcher("/dashboard", "/dashboard/settings", "/dashboard/users/:id")
	dashboardGuard := func(auth *clerk.Auth, req clerk.Request) error {
		ok, err := isDashboard.Match(req)
		if err != nil {
			return err // 400 for a malformed path, whoever asks
		}
		if ok {
			return auth.Protect()
		}
		return nil
	}
	tenants := clerk.PerRequest(func(req clerk.Request) (clerk.Options, error) {
		if req.Header("X-Tenant") != "acme" {
			return clerk.Options{}, errUnknownTenant
		}
		return opts(srv.URL()), nil
	}, 4)

	acme := func(role string, perms ...string) ClaimOption {
		return WithOrg(Org{ID: "org_acme", Slug: "acme", Role: role, Permissions: perms})
	}
	sign := func(user string, opts ...ClaimOption) string {
		return key.MustSign(SessionV2(user, "sess_"+strings.TrimPrefix(user, "user_"), now, opts...),
			WithCategory(CategorySession))
	}
	return &suite{
		now:         now,
		key:         key,
		api:         api,
		std:         h.NewApp(t, AppConfig{Authenticator: std}),
		handlerForm: h.NewApp(t, AppConfig{Authenticator: std, Handler: dashboardGuard}),
		outage:      h.NewApp(t, AppConfig{Authenticator: client(down.URL())}),
		perRequest:  h.NewApp(t, AppConfig{Authenticator: tenants}),
		plain:       sign("user_plain"),
		admin:       sign("user_admin", acme("org:admin", "org:invoices:create")),
		member:      sign("user_member", acme("org:member")),
		permitted:   sign("user_billing", acme("org:billing", "org:invoices:create")),
		fresh:       sign("user_fresh", WithFactorAge(0, 0)),
		stale:       sign("user_stale", WithFactorAge(30, 30)),
	}
}

type conformanceError string

func (e conformanceError) Error() string { return string(e) }

const errUnknownTenant = conformanceError("clerktest: unknown tenant")

// reqOption adjusts a request the suite sends.
type reqOption func(*http.Request)

func bearer(token string) reqOption {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func cookies(pairs ...string) reqOption {
	return func(r *http.Request) { r.Header.Set("Cookie", strings.Join(pairs, "; ")) }
}

func withHeader(name, value string) reqOption {
	return func(r *http.Request) { r.Header.Set(name, value) }
}

// page makes the request a browser navigation (spec §5.2, §1.8.1).
func page(r *http.Request) {
	r.Header.Set("Accept", "text/html,application/xhtml+xml")
	r.Header.Set("Sec-Fetch-Dest", "document")
}

// response is what the suite keeps of one answer.
type response struct {
	method, path string
	status       int
	header       http.Header
	body         []byte
	report       *authReport // the handler's report, nil when no handler answered
	reportAt     int         // where the report starts in body
}

func (r *response) String() string {
	body := string(r.body)
	if len(body) > 300 {
		body = body[:300] + "..."
	}
	return r.method + " " + r.path + " -> " + strconv.Itoa(r.status) + " " + body
}

// get sends GET path to app.
func (s *suite) get(t *testing.T, app Doer, path string, opts ...reqOption) *response {
	t.Helper()
	r, err := s.send(app, path, opts...)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	return r
}

// send sends GET path, with Host conformanceHost, to app.
func (s *suite) send(app Doer, path string, opts ...reqOption) (*response, error) {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	req.Host = conformanceHost
	for _, o := range opts {
		o(req)
	}
	res, err := app(req)
	if err != nil {
		return nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	if err != nil {
		return nil, fmt.Errorf("reading the body: %w", err)
	}
	r := &response{method: http.MethodGet, path: path, status: res.StatusCode, header: res.Header, body: body}
	// A handler that ran after a refusal may have appended its report to
	// the refusal's body: look for it anywhere.
	if i := bytes.Index(body, []byte(`{"route":`)); i >= 0 {
		var rep authReport
		if json.NewDecoder(bytes.NewReader(body[i:])).Decode(&rep) == nil && rep.Route != "" {
			r.report = &rep
			r.reportAt = i
		}
	}
	return r, nil
}
