package clerktest

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
)

// conformanceCase is one named behaviour of RunAdapterConformance.
type conformanceCase struct {
	name string
	run  func(t *testing.T, s *suite)
}

// conformanceCases is the table: its order is the order of the log.
func conformanceCases() []conformanceCase {
	cases := []conformanceCase{
		{"token/none", func(t *testing.T, s *suite) {
			r := s.get(t, s.std, "/public")
			wantSignedOut(t, served(t, r, "public"))
			wantHeader(t, r, clerk.HeaderAuthReason, string(clerk.ReasonSessionTokenAndUATMissing))
			refused(t, s.get(t, s.std, "/protected"), 404)
		}},
		{"token/header", func(t *testing.T, s *suite) {
			f := served(t, s.get(t, s.std, "/protected", bearer(s.plain)), "protected")
			wantSignedIn(t, f, "user_plain", "sess_plain")
		}},
		{"token/cookie", func(t *testing.T, s *suite) {
			jar := cookies("__session="+s.plain, "__client_uat="+s.uat())
			wantSignedIn(t, served(t, s.get(t, s.std, "/protected", jar), "protected"), "user_plain", "sess_plain")
			// A browser navigation with a valid session is served too.
			wantSignedIn(t, served(t, s.get(t, s.std, "/protected", jar, page), "protected"), "user_plain", "sess_plain")
		}},
		{"token/expired", func(t *testing.T, s *suite) {
			tok := s.key.MustSign(SessionV2("user_plain", "sess_plain", s.now.Add(-5*time.Minute)), WithCategory(CategorySession))
			s.rejectsToken(t, tok, "session-token-expired")
		}},
		{"token/bad-signature", func(t *testing.T, s *suite) {
			tok := s.key.MustSign(SessionV2("user_plain", "sess_plain", s.now),
				WithCategory(CategorySession), WithSignature(make([]byte, 256)))
			s.rejectsToken(t, tok, string(clerk.ReasonTokenInvalidSignature))
		}},
		{"token/unknown-kid", func(t *testing.T, s *suite) {
			tok := s.key.MustSign(SessionV2("user_plain", "sess_plain", s.now),
				WithCategory(CategorySession), WithKID(NewID("ins_")))
			s.rejectsToken(t, tok, string(clerk.ReasonJWKKidMismatch))
		}},
		{"token/wrong-azp", func(t *testing.T, s *suite) {
			tok := s.key.MustSign(SessionV2("user_plain", "sess_plain", s.now, WithAuthorizedParty("https://evil.example")),
				WithCategory(CategorySession))
			s.rejectsToken(t, tok, string(clerk.ReasonTokenInvalidAuthorizedParties))
		}},

		{"protect/pass", func(t *testing.T, s *suite) {
			for _, rt := range [][2]string{{"/protected", "protected"}, {"/admin", "admin"}, {"/admin/settings", "admin-settings"},
				{"/perm", "perm"}, {"/orgs/acme/whoami", "whoami"}} {
				f := served(t, s.get(t, s.std, rt[0], bearer(s.admin)), rt[1])
				wantSignedIn(t, f, "user_admin", "sess_admin")
				if f.OrgRole != "org:admin" {
					t.Errorf("GET %s: orgRole = %q, want org:admin", rt[0], f.OrgRole)
				}
			}
		}},
		{"protect/sign-in-redirect", func(t *testing.T, s *suite) {
			r := s.get(t, s.std, "/protected?tab=1", page)
			refused(t, r, 307)
			want := "https://accounts.example.com/sign-in?redirect_url=" +
				url.QueryEscape("http://"+conformanceHost+"/protected?tab=1")
			wantHeader(t, r, "Location", want)
			wantHeader(t, r, clerk.HeaderRedirectTo, "true")
		}},
		{"protect/not-found-signed-out", func(t *testing.T, s *suite) {
			for _, p := range []string{"/protected", "/admin", "/admin/settings", "/perm", "/reverify", "/orgs/acme/whoami"} {
				r := s.get(t, s.std, p)
				refused(t, r, 404)
				// The middleware's headers survive Protect's answer.
				wantHeader(t, r, clerk.HeaderAuthStatus, string(clerk.StatusSignedOut))
			}
		}},
		{"protect/not-found-missing-role", func(t *testing.T, s *suite) {
			for _, p := range []string{"/admin", "/admin/settings", "/perm"} {
				refused(t, s.get(t, s.std, p, bearer(s.member)), 404)
				// Signed in but not allowed: 404 for browsers too, never sign-in.
				refused(t, s.get(t, s.std, p, bearer(s.member), page), 404)
			}
			wantSignedIn(t, served(t, s.get(t, s.std, "/protected", bearer(s.member)), "protected"), "user_member", "sess_member")
		}},
		{"protect/permission", func(t *testing.T, s *suite) {
			f := served(t, s.get(t, s.std, "/perm", bearer(s.permitted)), "perm")
			wantSignedIn(t, f, "user_billing", "sess_billing")
			if !slices.Contains(f.OrgPermissions, "org:invoices:create") {
				t.Errorf("orgPermissions = %q, want org:invoices:create among them", f.OrgPermissions)
			}
			refused(t, s.get(t, s.std, "/admin", bearer(s.permitted)), 404)
		}},
		{"protect/machine-401", func(t *testing.T, s *suite) {
			refused(t, s.get(t, s.std, "/machine", bearer(s.plain)), 401)
			refused(t, s.get(t, s.std, "/machine"), 401)
			// Machine contexts never redirect to sign-in.
			refused(t, s.get(t, s.std, "/machine", page), 401)
		}},
		{"protect/reverification-403", func(t *testing.T, s *suite) {
			r := s.get(t, s.std, "/reverify", bearer(s.stale))
			refused(t, r, 403)
			var hint struct {
				ClerkError struct {
					Type     string         `json:"type"`
					Reason   string         `json:"reason"`
					Metadata map[string]any `json:"metadata"`
				} `json:"clerk_error"`
			}
			if err := json.Unmarshal(r.body, &hint); err != nil {
				t.Fatalf("%v: the body is not Clerk's reverification hint: %v", r, err)
			}
			if hint.ClerkError.Type != "forbidden" || hint.ClerkError.Reason != "reverification-error" ||
				hint.ClerkError.Metadata["reverification"] == nil {
				t.Errorf("%v: want clerk_error forbidden/reverification-error with metadata.reverification", r)
			}
			wantSignedIn(t, served(t, s.get(t, s.std, "/reverify", bearer(s.fresh)), "reverify"), "user_fresh", "sess_fresh")
		}},
		{"protect/unavailable-503", func(t *testing.T, s *suite) {
			// The key server fails and nothing is cached: an outage, not a sign-out.
			for _, opts := range [][]reqOption{{bearer(s.plain)}, {bearer(s.plain), page}} {
				r := s.get(t, s.outage, "/protected", opts...)
				refused(t, r, 503)
				if r.header.Get("Retry-After") == "" {
					t.Errorf("%v: no Retry-After", r)
				}
			}
			r := s.get(t, s.outage, "/public", bearer(s.plain))
			wantSignedOut(t, served(t, r, "public"))
			wantHeader(t, r, clerk.HeaderAuthReason, string(clerk.ReasonRemoteJWKFailedToLoad))
		}},
		{"protect/malformed-path-400", func(t *testing.T, s *suite) {
			// %FF is valid percent-encoding but not UTF-8: the route matcher
			// cannot decide, so the handler form answers 400.
			refused(t, s.get(t, s.handlerForm, "/dashboard/%FF"), 400)
			refused(t, s.get(t, s.handlerForm, "/dashboard/%FF", bearer(s.plain)), 400)
		}},
		{"protect/without-middleware-500", func(t *testing.T, s *suite) {
			refused(t, s.get(t, s.std, "/nomiddleware", bearer(s.admin)), 500)
			refused(t, s.get(t, s.std, "/nomiddleware"), 500)
			refused(t, s.get(t, s.std, "/nomiddleware", page), 500)
		}},

		{"handshake/redirect", func(t *testing.T, s *suite) {
			// A browser with Clerk's client cookie but no session token is
			// sent to the Frontend API's handshake, even on a public route.
			r := s.get(t, s.std, "/public", page, cookies("__client_uat="+s.uat()))
			refused(t, r, 307)
			wantPrefix(t, r, "Location", "https://"+DefaultFrontendAPI+"/v1/client/handshake?redirect_url="+
				url.QueryEscape("http://"+conformanceHost+"/public")+"&")
			if loc := r.header.Get("Location"); !strings.Contains(loc, "__clerk_hs_reason=client-uat-but-no-session-token") {
				t.Errorf("%v: Location %q lacks the handshake reason", r, loc)
			}
			wantHeader(t, r, "Cache-Control", "no-store")
			wantCookie(t, r, "__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2")
			wantHeader(t, r, clerk.HeaderAuthStatus, string(clerk.StatusHandshake))
		}},
		{"handshake/set-cookie-passthrough", func(t *testing.T, s *suite) {
			// Resolving a handshake (production instance) signs the request in
			// and hands the browser Clerk's cookies on the handler's response.
			directives := []string{
				"__session=" + s.plain + "; Path=/; Secure; SameSite=Lax",
				"__client_uat=" + s.uat() + "; Path=/; Secure; SameSite=Lax",
			}
			hs := s.key.MustSign(map[string]any{"handshake": directives}, WithCategory(CategorySession))
			r := s.get(t, s.std, "/protected", cookies("__clerk_handshake="+hs))
			wantSignedIn(t, served(t, r, "protected"), "user_plain", "sess_plain")
			for _, d := range directives {
				wantCookie(t, r, d)
			}
		}},

		{"headers/signed-out-debug-headers", func(t *testing.T, s *suite) {
			r := s.get(t, s.std, "/public")
			wantHeader(t, r, clerk.HeaderAuthStatus, string(clerk.StatusSignedOut))
			wantHeader(t, r, clerk.HeaderAuthReason, string(clerk.ReasonSessionTokenAndUATMissing))
			expired := s.key.MustSign(SessionV2("user_plain", "sess_plain", s.now.Add(-5*time.Minute)), WithCategory(CategorySession))
			r = s.get(t, s.std, "/public", bearer(expired))
			if r.header.Get(clerk.HeaderAuthMessage) == "" {
				t.Errorf("%v: no %s on a failed token", r, clerk.HeaderAuthMessage)
			}
		}},
		{"headers/signed-in-no-debug-headers", func(t *testing.T, s *suite) {
			for _, p := range []string{"/public", "/protected"} {
				r := s.get(t, s.std, p, bearer(s.plain))
				served(t, r, strings.TrimPrefix(p, "/"))
				for _, h := range []string{clerk.HeaderAuthStatus, clerk.HeaderAuthReason, clerk.HeaderAuthMessage} {
					if v := r.header.Values(h); len(v) > 0 {
						t.Errorf("%v: signed-in response carries %s: %q", r, h, v)
					}
				}
			}
		}},

		{"handler-form/route-matcher", func(t *testing.T, s *suite) {
			refused(t, s.get(t, s.handlerForm, "/dashboard"), 404)
			refused(t, s.get(t, s.handlerForm, "/dashboard/settings"), 404)
			r := s.get(t, s.handlerForm, "/dashboard", page)
			refused(t, r, 307)
			wantHeader(t, r, "Location", "https://accounts.example.com/sign-in?redirect_url="+
				url.QueryEscape("http://"+conformanceHost+"/dashboard"))
			wantSignedIn(t, served(t, s.get(t, s.handlerForm, "/dashboard", bearer(s.plain)), "dashboard"), "user_plain", "sess_plain")
			served(t, s.get(t, s.handlerForm, "/dashboard/settings", bearer(s.plain)), "dashboard-settings")
			// Routes the matcher does not name are untouched...
			wantSignedOut(t, served(t, s.get(t, s.handlerForm, "/public"), "public"))
			// ...and without the handler, /dashboard is public.
			wantSignedOut(t, served(t, s.get(t, s.std, "/dashboard"), "dashboard"))
		}},

		{"org-sync/activation-handshake", func(t *testing.T, s *suite) {
			jar := cookies("__session="+s.member, "__client_uat="+s.uat())
			r := s.get(t, s.std, "/orgs/other/whoami", jar, page)
			refused(t, r, 307)
			wantPrefix(t, r, "Location", "https://"+DefaultFrontendAPI+"/v1/client/handshake?")
			if loc := r.header.Get("Location"); !strings.Contains(loc, "&organization_id=other") {
				t.Errorf("%v: Location %q lacks organization_id=other", r, loc)
			}
			wantHeader(t, r, clerk.HeaderAuthReason, string(clerk.ReasonActiveOrganizationMismatch))
			wantHeader(t, r, "Cache-Control", "no-store")
			wantCookie(t, r, "__clerk_redirect_count=1; SameSite=Lax; HttpOnly; Max-Age=2")
		}},
		{"org-sync/active-org", func(t *testing.T, s *suite) {
			jar := cookies("__session="+s.member, "__client_uat="+s.uat())
			f := served(t, s.get(t, s.std, "/orgs/acme/whoami", jar, page), "whoami")
			wantSignedIn(t, f, "user_member", "sess_member")
			if f.OrgSlug != "acme" || f.OrgID != "org_acme" {
				t.Errorf("org = %q/%q, want org_acme/acme", f.OrgID, f.OrgSlug)
			}
		}},

		{"context/accessor-and-request-context", func(t *testing.T, s *suite) {
			// served compares the accessor's Auth with the request
			// context's on every response; here the fields are checked too.
			f := served(t, s.get(t, s.std, "/protected", bearer(s.admin)), "protected")
			want := &authFields{TokenType: string(clerk.SessionToken), IsAuthenticated: true, UserID: "user_admin",
				SessionID: "sess_admin", OrgID: "org_acme", OrgRole: "org:admin", OrgSlug: "acme",
				OrgPermissions: []string{"org:invoices:create"}}
			if !reflect.DeepEqual(f, want) {
				t.Errorf("Auth = %+v, want %+v", f, want)
			}
			wantSignedOut(t, served(t, s.get(t, s.std, "/public"), "public"))
		}},
		{"concurrency/parallel-distinct-users", func(t *testing.T, s *suite) {
			const n = 50
			tokens := make([]string, n)
			for i := range tokens {
				tokens[i] = s.key.MustSign(SessionV2("user_p"+strconv.Itoa(i), "sess_p"+strconv.Itoa(i), s.now),
					WithCategory(CategorySession))
			}
			var wg sync.WaitGroup
			start := make(chan struct{})
			for i, tok := range tokens {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					auth := bearer(tok)
					if i%2 == 1 {
						auth = cookies("__session="+tok, "__client_uat="+s.uat())
					}
					r := s.getNoFatal(t, s.std, "/protected", auth)
					if r == nil {
						return
					}
					if r.status != 200 || r.report == nil || r.report.Accessor == nil || r.report.Context == nil {
						t.Errorf("request %d: %v", i, r)
						return
					}
					want := "user_p" + strconv.Itoa(i)
					if r.report.Accessor.UserID != want || r.report.Context.UserID != want || !r.report.Same {
						t.Errorf("request %d: got accessor %q, context %q (same: %v), want %q",
							i, r.report.Accessor.UserID, r.report.Context.UserID, r.report.Same, want)
					}
				}()
			}
			close(start)
			wg.Wait()
		}},
		{"per-request/authenticator", func(t *testing.T, s *suite) {
			tenant := withHeader("X-Tenant", "acme")
			wantSignedIn(t, served(t, s.get(t, s.perRequest, "/protected", tenant, bearer(s.plain)), "protected"), "user_plain", "sess_plain")
			// The options callback failing signs the request out.
			refused(t, s.get(t, s.perRequest, "/protected", bearer(s.plain)), 404)
			r := s.get(t, s.perRequest, "/public", bearer(s.plain))
			wantSignedOut(t, served(t, r, "public"))
			wantHeader(t, r, clerk.HeaderAuthReason, string(clerk.ReasonUnexpectedError))
		}},
	}
	cases = append(cases, machineConformanceCases()...)
	for _, k := range bypassKinds {
		cases = append(cases, conformanceCase{"bypass/" + k.name, func(t *testing.T, s *suite) { s.bypass(t, k.variants) }})
	}
	return cases
}

// uat is a __client_uat value a minute before the suite's tokens were issued.
func (s *suite) uat() string { return strconv.FormatInt(s.now.Add(-time.Minute).Unix(), 10) }

// rejectsToken checks a token that must not sign anyone in: the public
// route sees a signed-out Auth with reason, and Protect answers 404.
func (s *suite) rejectsToken(t *testing.T, tok, reason string) {
	t.Helper()
	r := s.get(t, s.std, "/public", bearer(tok))
	wantSignedOut(t, served(t, r, "public"))
	wantHeader(t, r, clerk.HeaderAuthStatus, string(clerk.StatusSignedOut))
	wantPrefix(t, r, clerk.HeaderAuthReason, reason)
	refused(t, s.get(t, s.std, "/protected", bearer(tok)), 404)
	jar := cookies("__session="+tok, "__client_uat="+s.uat())
	refused(t, s.get(t, s.std, "/protected", jar), 404)
}

// getNoFatal is get for goroutines other than the test's: a failure is
// reported with Errorf and gives nil.
func (s *suite) getNoFatal(t *testing.T, app Doer, path string, opts ...reqOption) *response {
	r, err := s.send(app, path, opts...)
	if err != nil {
		t.Errorf("GET %s: %v", path, err)
		return nil
	}
	return r
}

// bypassKinds are path-normalisation tricks against a protected prefix;
// variants turns a canonical path into the tricked forms.
var bypassKinds = []struct {
	name     string
	variants func(p string) []string
}{
	{"upper-case", func(p string) []string {
		return []string{strings.ToUpper(p), "/" + strings.ToUpper(p[1:2]) + p[2:]}
	}},
	{"trailing-slash", func(p string) []string { return []string{p + "/", p + "//"} }},
	{"double-slash", func(p string) []string { return []string{"/" + p, strings.ReplaceAll(p, "/", "//")} }},
	{"encoded-slash-dot-dot", func(p string) []string {
		out := []string{p + "%2F..", p + "%2f..%2f", p + "%2F"}
		if i := strings.LastIndexByte(p, '/'); i > 0 {
			out = append(out, p[:i]+"%2F"+p[i+1:])
		}
		return out
	}},
	{"percent-encoded-letter", func(p string) []string {
		first := fmt.Sprintf("/%%%02X%s", p[1], p[2:])
		out := []string{first, strings.ToLower(first[:4]) + first[4:], fmt.Sprintf("/%%25%02X%s", p[1], p[2:])}
		if i := strings.LastIndexByte(p, '/'); i > 0 {
			out = append(out, fmt.Sprintf("%s/%%%02X%s", p[:i], p[i+1], p[i+2:]))
		}
		return out
	}},
	{"unrepresentable-encoded-slash", func(p string) []string {
		// Go's url package cannot keep these raw paths as sent ("{", "|"
		// and "^" are not left unencoded), so EscapedPath re-encodes the
		// decoded path and the %2F turns into a separator.
		return []string{p + "%2F{", p + "%2F%7C|", p + "%2f^"}
	}},
	{"dot-segment", func(p string) []string {
		return []string{"/public/.." + p, "/public/%2E%2E" + p, "/." + p, p + "/."}
	}},
}

// bypass sends the variants of the protected paths, signed out (and, for
// the role-protected group, as a member without the role), and fails if a
// protected handler answers. Whatever else happens (a 404 from the router,
// a redirect, a 404 from Protect) is fine and logged.
func (s *suite) bypass(t *testing.T, variants func(string) []string) {
	protected := map[string]bool{"admin": true, "admin-settings": true, "dashboard": true, "dashboard-settings": true, "dashboard-user": true}
	type target struct {
		app     Doer
		appName string
		paths   []string
		ids     map[string][]reqOption
	}
	targets := []target{
		{s.std, "standard", []string{"/admin", "/admin/settings"},
			map[string][]reqOption{"signed-out": nil, "member": {bearer(s.member)}}},
		{s.handlerForm, "handler-form", []string{"/dashboard", "/dashboard/settings", "/dashboard/users/42"},
			map[string][]reqOption{"signed-out": nil}},
	}
	for _, tg := range targets {
		for _, id := range []string{"signed-out", "member"} {
			opts, ok := tg.ids[id]
			if !ok {
				continue
			}
			var seen []string
			for _, canonical := range tg.paths {
				for _, p := range slices.Compact(variants(canonical)) {
					r := s.get(t, tg.app, p, opts...)
					switch {
					case r.report != nil && protected[r.report.Route]:
						t.Errorf("BYPASS (%s app, %s): %v: the protected %q handler answered", tg.appName, id, r, r.report.Route)
					case r.status == 200 && r.report == nil:
						t.Errorf("(%s app, %s): %v: 200 without a handler's answer (a refusal that wrote nothing?)", tg.appName, id, r)
					}
					seen = append(seen, p+" "+strconv.Itoa(r.status))
				}
			}
			t.Logf("%s app, %s: %s", tg.appName, id, strings.Join(seen, ", "))
		}
	}
}

// served checks that route's handler answered 200 and that the adapter's
// accessor and the request context hold the same Auth; it returns it.
func served(t *testing.T, r *response, route string) *authFields {
	t.Helper()
	if r.status != 200 || r.report == nil || r.report.Route != route || r.reportAt != 0 {
		t.Fatalf("want 200 from the %q handler alone, got %v", route, r)
	}
	rep := r.report
	if rep.Accessor == nil || rep.Context == nil || rep.Accessor.Nil || rep.Context.Nil {
		t.Fatalf("%v: the accessor or the request context gave a nil *clerk.Auth", r)
	}
	if !reflect.DeepEqual(rep.Accessor, rep.Context) {
		t.Fatalf("%v: the accessor's Auth %+v differs from clerk.AuthFromContext's %+v", r, rep.Accessor, rep.Context)
	}
	if !rep.Same {
		t.Errorf("%v: the accessor and the request context hold different *clerk.Auth values", r)
	}
	return rep.Accessor
}

// refused checks that a decision with status was written and that no
// handler ran.
func refused(t *testing.T, r *response, status int) {
	t.Helper()
	if r.report != nil {
		t.Fatalf("%v: want %d, but the %q handler ran", r, status, r.report.Route)
	}
	if r.status != status {
		t.Fatalf("want %d, got %v", status, r)
	}
}

func wantSignedIn(t *testing.T, f *authFields, user, session string) {
	t.Helper()
	if f.TokenType != string(clerk.SessionToken) || !f.IsAuthenticated || f.UserID != user || f.SessionID != session {
		t.Errorf("Auth = %+v, want signed in as %s in %s", f, user, session)
	}
}

func wantSignedOut(t *testing.T, f *authFields) {
	t.Helper()
	if f.TokenType != string(clerk.SessionToken) || f.IsAuthenticated || f.UserID != "" || f.SessionID != "" || f.OrgID != "" {
		t.Errorf("Auth = %+v, want signed out", f)
	}
}

func wantHeader(t *testing.T, r *response, name, want string) {
	t.Helper()
	if got := r.header.Get(name); got != want {
		t.Errorf("%v: %s = %q, want %q", r, name, got, want)
	}
}

func wantPrefix(t *testing.T, r *response, name, prefix string) {
	t.Helper()
	if got := r.header.Get(name); !strings.HasPrefix(got, prefix) {
		t.Errorf("%v: %s = %q, want it to start with %q", r, name, got, prefix)
	}
}

func wantCookie(t *testing.T, r *response, cookie string) {
	t.Helper()
	if got := r.header.Values("Set-Cookie"); !slices.Contains(got, cookie) {
		t.Errorf("%v: Set-Cookie = %q, want %q among them", r, got, cookie)
	}
}
