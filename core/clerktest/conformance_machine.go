package clerktest

import (
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
// The suite's instance serves JWKS only, so the tokens here are JWT-format
// machine tokens, verified with the suite's keys (spec §6.2); opaque tokens
// are exercised end to end against clerkdev in package clerk's tests.
func machineConformanceCases() []conformanceCase {
	return []conformanceCase{
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
	}
}

// m2mJWT mints a JWT-format M2M token for the machine mch_worker with the
// suite's key and the M2M category.
func (s *suite) m2mJWT(opts ...ClaimOption) string {
	return s.key.MustSign(M2MClaims("mch_worker", s.now, opts...), WithCategory(CategoryM2M))
}
