package clerktest

import (
	"reflect"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
)

// machineConformanceCases are the machine-token behaviours every adapter
// must have (spec §6.6, §5.2 "machine-token contexts → 401"): a machine
// token reaches the handler through the adapter with its token type, a
// route that accepts only M2M tokens answers 401 and never redirects,
// OAuth refusals carry WWW-Authenticate, and an outage is a 503.
//
// The first cases use JWT-format machine tokens, verified with the suite's
// keys (spec §6.2). Those of [opaqueConformanceCases] send opaque tokens
// ("ak_", "mt_", "oat_") that the standard app verifies through the
// suite's Backend API (conformanceAPI, spec §6.3), on routes that accept
// one machine type, a list of types, any type, or sessions only.
func machineConformanceCases() []conformanceCase {
	return append([]conformanceCase{
		{"machine/m2m-token-served", func(t *testing.T, s *suite) {
			tok := s.m2mJWT(WithAuthorizedParty(DefaultAuthorizedParty))
			for _, rt := range [][2]string{{"/machine", "machine"}, {"/public", "public"}} {
				f := served(t, s.get(t, s.std, rt[0], bearer(tok)), rt[1])
				if f.TokenType != string(clerk.M2MToken) || !f.IsAuthenticated || f.UserID != "" || f.SessionID != "" {
					t.Errorf("GET %s: Auth = %+v, want an authenticated m2m_token", rt[0], f)
				}
			}
		}},
		{"machine/session-route-refuses-m2m-token", func(t *testing.T, s *suite) {
			// A route that accepts only sessions sees a signed-out session.
			tok := s.m2mJWT(WithAuthorizedParty(DefaultAuthorizedParty))
			refused(t, s.get(t, s.std, "/protected", bearer(tok)), 404)
		}},
		{"machine/wrong-token-type-401", func(t *testing.T, s *suite) {
			oauth := s.key.MustSign(OAuthClaims("user_plain", "client_app", s.now, WithAuthorizedParty(DefaultAuthorizedParty)),
				WithTyp(TypOAuthAccessToken))
			for _, opts := range [][]reqOption{{bearer(oauth)}, {bearer(oauth), page}} {
				r := s.get(t, s.std, "/machine", opts...)
				refused(t, r, 401)
				// RFC 9728: the OAuth client is told where to find the
				// protected-resource metadata.
				wantHeader(t, r, "WWW-Authenticate",
					`Bearer resource_metadata="https://`+DefaultFrontendAPI+`/.well-known/oauth-protected-resource"`)
				wantHeader(t, r, "Location", "")
			}
			// An API key on an M2M route.
			r := s.get(t, s.std, "/machine", bearer(NewID("ak_")), page)
			refused(t, r, 401)
			wantHeader(t, r, "WWW-Authenticate", "")
			wantHeader(t, r, "Location", "")
		}},
		{"machine/invalid-token-401", func(t *testing.T, s *suite) {
			for _, c := range []struct {
				tok, reason string
			}{
				{s.m2mJWT(WithAuthorizedParty(DefaultAuthorizedParty), WithExp(-time.Minute)), "token-verification-failed"},
				{MustNewKey().WithKID(s.key.KID()).MustSign(M2MClaims("mch_worker", s.now, WithAuthorizedParty(DefaultAuthorizedParty)),
					WithCategory(CategoryM2M)), "token-verification-failed"},
				{s.key.MustSign(M2MClaims("mch_worker", s.now, WithAuthorizedParty(DefaultAuthorizedParty)),
					WithCategory(CategorySession)), "token-invalid"},
			} {
				for _, opts := range [][]reqOption{{bearer(c.tok)}, {bearer(c.tok), page}} {
					r := s.get(t, s.std, "/machine", opts...)
					refused(t, r, 401)
					wantHeader(t, r, "Location", "")
					// The middleware's headers survive Protect's answer.
					wantHeader(t, r, clerk.HeaderAuthStatus, string(clerk.StatusSignedOut))
					wantHeader(t, r, clerk.HeaderAuthReason, c.reason)
				}
			}
		}},
		{"machine/unavailable-503", func(t *testing.T, s *suite) {
			// The keys cannot be loaded: an outage, not a refusal.
			tok := s.m2mJWT(WithAuthorizedParty(DefaultAuthorizedParty))
			r := s.get(t, s.outage, "/machine", bearer(tok))
			refused(t, r, 503)
			if r.header.Get("Retry-After") == "" {
				t.Errorf("%v: no Retry-After", r)
			}
		}},
	}, opaqueConformanceCases()...)
}

// m2mJWT mints a JWT-format M2M token for the machine mch_worker with the
// suite's key and the M2M category.
func (s *suite) m2mJWT(opts ...ClaimOption) string {
	return s.key.MustSign(M2MClaims("mch_worker", s.now, opts...), WithCategory(CategoryM2M))
}

// opaqueConformanceCases are the cases of opaque machine tokens verified
// through the Backend API (spec §6.3-§6.6, §5.2): each kind reaches the
// handler of a route that accepts it, with its subject and scopes in the
// Auth of the accessor and of the request context; a route that accepts
// only sessions sees a signed-out session (404, or the sign-in redirect
// for a page); a route that accepts only machine types answers 401, with
// WWW-Authenticate for an OAuth token; a revoked key never authenticates.
func opaqueConformanceCases() []conformanceCase {
	return []conformanceCase{
		{"machine/api-key-served", func(t *testing.T, s *suite) {
			scopes := []string{"invoices:read", "invoices:write"}
			key := s.api.issue(opaqueToken{tt: clerk.APIKey, subject: "user_plain", name: "ci", scopes: scopes})
			for _, rt := range [][2]string{{"/apikey", "apikey"}, {"/machines", "machines"}, {"/any", "any"}, {"/public", "public"}} {
				f := served(t, s.get(t, s.std, rt[0], bearer(key)), rt[1])
				want := authFields{TokenType: string(clerk.APIKey), IsAuthenticated: true, UserID: "user_plain",
					ID: s.api.tokenID(key), Subject: "user_plain", Scopes: scopes, Name: "ci"}
				wantFields(t, rt[0], f, want)
			}
			// A key owned by an organization sets OrgID, not UserID.
			orgKey := s.api.issue(opaqueToken{tt: clerk.APIKey, subject: "org_acme", name: "org", scopes: []string{"sync"}})
			f := served(t, s.get(t, s.std, "/apikey", bearer(orgKey)), "apikey")
			wantFields(t, "/apikey", f, authFields{TokenType: string(clerk.APIKey), IsAuthenticated: true, OrgID: "org_acme",
				ID: s.api.tokenID(orgKey), Subject: "org_acme", Scopes: []string{"sync"}, Name: "org"})
		}},
		{"machine/session-route-refuses-api-key", func(t *testing.T, s *suite) {
			key := s.api.issue(opaqueToken{tt: clerk.APIKey, subject: "user_admin", scopes: []string{"all"}})
			served(t, s.get(t, s.std, "/apikey", bearer(key)), "apikey") // the key is valid
			// Routes that accept only sessions see a signed-out session,
			// even for a key owned by an admin: 404, the sign-in redirect
			// for a page.
			for _, p := range []string{"/protected", "/admin", "/perm", "/orgs/acme/whoami"} {
				refused(t, s.get(t, s.std, p, bearer(key)), 404)
			}
			r := s.get(t, s.std, "/protected", bearer(key), page)
			refused(t, r, 307)
			wantPrefix(t, r, "Location", "https://accounts.example.com/sign-in?redirect_url=")
			// A route for another machine type: 401, never a redirect.
			for _, p := range []string{"/machine", "/oauth"} {
				r := s.get(t, s.std, p, bearer(key), page)
				refused(t, r, 401)
				wantHeader(t, r, "Location", "")
				wantHeader(t, r, "WWW-Authenticate", "")
			}
		}},
		{"machine/opaque-m2m-token-served", func(t *testing.T, s *suite) {
			tok := s.api.issue(opaqueToken{tt: clerk.M2MToken, subject: "mch_worker", scopes: []string{"mch_billing"},
				expiration: s.now.Add(time.Hour)})
			for _, rt := range [][2]string{{"/machine", "machine"}, {"/machines", "machines"}, {"/any", "any"}} {
				f := served(t, s.get(t, s.std, rt[0], bearer(tok)), rt[1])
				wantFields(t, rt[0], f, authFields{TokenType: string(clerk.M2MToken), IsAuthenticated: true,
					ID: s.api.tokenID(tok), Subject: "mch_worker", MachineID: "mch_worker", Scopes: []string{"mch_billing"}})
			}
			refused(t, s.get(t, s.std, "/protected", bearer(tok)), 404)
			for _, p := range []string{"/apikey", "/oauth"} {
				r := s.get(t, s.std, p, bearer(tok), page)
				refused(t, r, 401)
				wantHeader(t, r, "Location", "")
				wantHeader(t, r, "WWW-Authenticate", "")
			}
		}},
		{"machine/oauth-token-served", func(t *testing.T, s *suite) {
			scopes := []string{"profile", "email"}
			tok := s.api.issue(opaqueToken{tt: clerk.OAuthToken, subject: "user_plain", clientID: "client_app", scopes: scopes,
				expiration: s.now.Add(time.Hour)})
			for _, rt := range [][2]string{{"/oauth", "oauth"}, {"/any", "any"}} {
				f := served(t, s.get(t, s.std, rt[0], bearer(tok)), rt[1])
				wantFields(t, rt[0], f, authFields{TokenType: string(clerk.OAuthToken), IsAuthenticated: true, UserID: "user_plain",
					ID: s.api.tokenID(tok), Subject: "user_plain", ClientID: "client_app", Scopes: scopes})
			}
			refused(t, s.get(t, s.std, "/protected", bearer(tok)), 404)
			// Refused by a machine route: 401 telling the OAuth client
			// where the protected-resource metadata is (RFC 9728).
			for _, p := range []string{"/machine", "/apikey", "/machines"} {
				for _, opts := range [][]reqOption{{bearer(tok)}, {bearer(tok), page}} {
					r := s.get(t, s.std, p, opts...)
					refused(t, r, 401)
					wantHeader(t, r, "WWW-Authenticate", oauthChallenge)
					wantHeader(t, r, "Location", "")
				}
			}
		}},
		{"machine/token-list-route", func(t *testing.T, s *suite) {
			// AcceptsToken(M2MToken, APIKey): both kinds, and M2M JWTs.
			mt := s.api.issue(opaqueToken{tt: clerk.M2MToken, subject: "mch_worker", expiration: s.now.Add(time.Hour)})
			ak := s.api.issue(opaqueToken{tt: clerk.APIKey, subject: "user_plain"})
			for tok, tt := range map[string]clerk.TokenType{mt: clerk.M2MToken, ak: clerk.APIKey,
				s.m2mJWT(WithAuthorizedParty(DefaultAuthorizedParty)): clerk.M2MToken} {
				if f := served(t, s.get(t, s.std, "/machines", bearer(tok)), "machines"); f.TokenType != string(tt) || !f.IsAuthenticated {
					t.Errorf("GET /machines: Auth = %+v, want an authenticated %s", f, tt)
				}
			}
			// Not in the list: a valid OAuth token, a session, nothing.
			// All machine contexts: 401, never a redirect.
			oat := s.api.issue(opaqueToken{tt: clerk.OAuthToken, subject: "user_plain", clientID: "client_app",
				expiration: s.now.Add(time.Hour)})
			served(t, s.get(t, s.std, "/oauth", bearer(oat)), "oauth") // the token is valid
			r := s.get(t, s.std, "/machines", bearer(oat))
			refused(t, r, 401)
			wantHeader(t, r, "WWW-Authenticate", oauthChallenge)
			for _, opts := range [][]reqOption{{bearer(s.plain)}, {bearer(s.plain), page}, nil, {page}} {
				r := s.get(t, s.std, "/machines", opts...)
				refused(t, r, 401)
				wantHeader(t, r, "Location", "")
				wantHeader(t, r, "WWW-Authenticate", "")
			}
		}},
		{"machine/any-token-route", func(t *testing.T, s *suite) {
			// AcceptsToken(AnyToken): sessions and every machine kind.
			wantSignedIn(t, served(t, s.get(t, s.std, "/any", bearer(s.plain)), "any"), "user_plain", "sess_plain")
			for tt, tok := range map[clerk.TokenType]string{
				clerk.APIKey:     s.api.issue(opaqueToken{tt: clerk.APIKey, subject: "user_plain"}),
				clerk.M2MToken:   s.api.issue(opaqueToken{tt: clerk.M2MToken, subject: "mch_worker", expiration: s.now.Add(time.Hour)}),
				clerk.OAuthToken: s.api.issue(opaqueToken{tt: clerk.OAuthToken, subject: "user_plain", clientID: "client_app", expiration: s.now.Add(time.Hour)}),
			} {
				if f := served(t, s.get(t, s.std, "/any", bearer(tok)), "any"); f.TokenType != string(tt) || !f.IsAuthenticated {
					t.Errorf("GET /any: Auth = %+v, want an authenticated %s", f, tt)
				}
			}
			// No token is a signed-out session: 404, sign-in for a page.
			refused(t, s.get(t, s.std, "/any"), 404)
			refused(t, s.get(t, s.std, "/any", page), 307)
			// A machine token that does not verify: 401.
			r := s.get(t, s.std, "/any", bearer(NewID("ak_")), page)
			refused(t, r, 401)
			wantHeader(t, r, "Location", "")
			wantHeader(t, r, clerk.HeaderAuthReason, string(clerk.MachineErrTokenInvalid))
		}},
		{"machine/revoked-api-key-401", func(t *testing.T, s *suite) {
			// Revoked keys are answered 404, as Clerk's Backend API does;
			// or 200 with "revoked": true, which must not authenticate
			// either.
			for _, reportRevoked := range []bool{false, true} {
				key := s.api.issue(opaqueToken{tt: clerk.APIKey, subject: "user_plain", scopes: []string{"all"},
					revoked: true, reportRevoked: reportRevoked})
				for _, p := range []string{"/apikey", "/machines", "/any"} {
					for _, opts := range [][]reqOption{{bearer(key)}, {bearer(key), page}} {
						r := s.get(t, s.std, p, opts...)
						refused(t, r, 401)
						wantHeader(t, r, "Location", "")
						wantHeader(t, r, clerk.HeaderAuthStatus, string(clerk.StatusSignedOut))
						wantHeader(t, r, clerk.HeaderAuthReason, string(clerk.MachineErrTokenInvalid))
					}
				}
				refused(t, s.get(t, s.std, "/protected", bearer(key)), 404)
				// A public route runs with an unauthenticated api_key Auth.
				f := served(t, s.get(t, s.std, "/public", bearer(key)), "public")
				wantFields(t, "/public", f, authFields{TokenType: string(clerk.APIKey)})
			}
		}},
	}
}

// oauthChallenge is the WWW-Authenticate of a refused OAuth token (RFC
// 9728, spec §5.3).
const oauthChallenge = `Bearer resource_metadata="https://` + DefaultFrontendAPI + `/.well-known/oauth-protected-resource"`

// wantFields checks the whole reported Auth of GET path.
func wantFields(t *testing.T, path string, got *authFields, want authFields) {
	t.Helper()
	if !reflect.DeepEqual(*got, want) {
		t.Errorf("GET %s: Auth = %+v, want %+v", path, *got, want)
	}
}
