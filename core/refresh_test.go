package clerk_test

import (
	"encoding/json"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Tests of the session refresh (spec §1.9): an expired session token, the
// __refresh_<suffix> cookie and a GET exchange the cookies through
// POST /v1/sessions/{sid}/refresh.

// refreshFake answers by session ID.
func refreshFake(t *testing.T, fresh func(sid string) string) *atBAPIFake {
	return newATBAPIFake(t, func(w http.ResponseWriter, r *http.Request) {
		sid := strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/sessions/"), "/refresh")
		cookies := func(list ...string) {
			b, _ := json.Marshal(map[string]any{"object": "cookies", "cookies": list})
			atWriteJSON(w, 200, string(b))
		}
		switch sid {
		case "sess_ok":
			cookies("__session="+fresh(sid)+"; Path=/; SameSite=Lax", "__client_uat=1760000000; Path=/")
		case "sess_code":
			w.Header().Set("Retry-After", "3")
			atWriteJSON(w, 400, `{"errors":[{"code":"session_token_and_refresh_token_mismatch","message":"m"}],"clerk_trace_id":"trace_1"}`)
		case "sess_unexpected":
			atWriteJSON(w, 422, `{"errors":[{"code":"unexpected_error","message":"boom"}]}`)
		case "sess_500":
			w.Header().Set("Content-Type", "text/plain")
			w.WriteHeader(500)
			_, _ = w.Write([]byte("oops"))
		case "sess_noerrors":
			atWriteJSON(w, 503, `{"errors":[]}`)
		case "sess_empty":
			cookies()
		case "sess_nosession":
			cookies("__client_uat=1; Path=/")
		case "sess_invalid":
			cookies("__session=garbage; Path=/")
		case "sess_badjson":
			atWriteJSON(w, 200, "{not json")
		case "sess_hangup":
			if conn, _, err := w.(http.Hijacker).Hijack(); err == nil {
				conn.Close()
			}
		default:
			atWriteJSON(w, 404, `{"errors":[{"code":"resource_not_found","message":"not found"}]}`)
		}
	})
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	sfx := clerk.CookieSuffix(atProd)
	expired := func(sid string) string {
		return atKey().MustSign(clerktest.SessionV2(atUser, sid, atNow.Add(-2*time.Minute), clerktest.WithIssuer("https://"+atFAPI), clerktest.WithAuthorizedParty(atApp)))
	}
	fresh := func(sid string) string {
		return atKey().MustSign(clerktest.SessionV2(atUser, sid, atNow, clerktest.WithIssuer("https://"+atFAPI), clerktest.WithAuthorizedParty(atApp)))
	}
	fake := refreshFake(t, fresh)
	uat := atUnix(-10 * time.Minute)
	withRefresh := func(sid string) []string {
		return []string{atCookie("__session", expired(sid)), atCookie("__client_uat", uat), atCookie("__refresh_"+sfx, "rt_"+sid)}
	}
	tests := []struct {
		name    string
		kind    string
		cookies []string
		header  string // Authorization token
		status  clerk.AuthStatus
		reason  clerk.Reason
	}{
		{"§1.9 step 2: a successful refresh signs in with the new cookies", atKFetch, withRefresh("sess_ok"), "", clerk.StatusSignedIn, ""},
		{"§1.9 step 2: refresh is for any GET, documents too", atKDoc, withRefresh("sess_ok"), "", clerk.StatusSignedIn, ""},
		{"§1.9 step 3: non-GET: non-eligible-non-get", atKPost, withRefresh("sess_ok"), "", clerk.StatusSignedOut, "session-token-expired-refresh-non-eligible-non-get"},
		{"§1.9 step 3: no refresh cookie: non-eligible-no-refresh-cookie", atKDoc,
			[]string{atCookie("__session", expired("sess_ok")), atCookie("__client_uat", uat)}, "", clerk.StatusHandshake, "session-token-expired-refresh-non-eligible-no-refresh-cookie"},
		{"§1.9: the un-suffixed __refresh cookie is ignored", atKFetch,
			[]string{atCookie("__session", expired("sess_ok")), atCookie("__client_uat", uat), atCookie("__refresh", "rt")}, "", clerk.StatusSignedOut, "session-token-expired-refresh-non-eligible-no-refresh-cookie"},
		{"§1.9 step 2: a Clerk error code becomes the reason", atKFetch, withRefresh("sess_code"), "", clerk.StatusSignedOut, "session-token-expired-refresh-session_token_and_refresh_token_mismatch"},
		{"§1.9 step 2: the code unexpected_error is fetch-error", atKDoc, withRefresh("sess_unexpected"), "", clerk.StatusHandshake, "session-token-expired-refresh-fetch-error"},
		{"§1.9 step 2: an answer that is not Clerk's error shape: unexpected-bapi-error", atKFetch, withRefresh("sess_500"), "", clerk.StatusSignedOut, "session-token-expired-refresh-unexpected-bapi-error"},
		{"§1.9 step 2: an empty error list: unexpected-bapi-error", atKFetch, withRefresh("sess_noerrors"), "", clerk.StatusSignedOut, "session-token-expired-refresh-unexpected-bapi-error"},
		{"§1.9 step 2: no cookies in the answer: unexpected-sdk-error", atKFetch, withRefresh("sess_empty"), "", clerk.StatusSignedOut, "session-token-expired-refresh-unexpected-sdk-error"},
		{"§1.9 step 2: no __session in the answer: invalid-session-token", atKFetch, withRefresh("sess_nosession"), "", clerk.StatusSignedOut, "session-token-expired-refresh-invalid-session-token"},
		{"§1.9 step 2: a refreshed token that does not verify: invalid-session-token", atKFetch, withRefresh("sess_invalid"), "", clerk.StatusSignedOut, "session-token-expired-refresh-invalid-session-token"},
		{"§1.9 step 2: an unreadable answer: fetch-error", atKFetch, withRefresh("sess_badjson"), "", clerk.StatusSignedOut, "session-token-expired-refresh-fetch-error"},
		{"§1.9 step 2: no answer at all: fetch-error", atKFetch, withRefresh("sess_hangup"), "", clerk.StatusSignedOut, "session-token-expired-refresh-fetch-error"},
		{"§1.9 step 2: an expired token without sid: expired-session-token-missing-sid-claim", atKFetch,
			[]string{atCookie("__session", atKey().MustSign(clerktest.SessionV2(atUser, "x", atNow.Add(-2*time.Minute), clerktest.WithIssuer("https://"+atFAPI), clerktest.WithoutClaim("sid")))),
				atCookie("__client_uat", uat), atCookie("__refresh_"+sfx, "rt")}, "", clerk.StatusSignedOut, "session-token-expired-refresh-expired-session-token-missing-sid-claim"},
		{"§1.9: an expired header token refreshes with the cookies' session token (sessionToken = cookie || header)", atKFetch,
			withRefresh("sess_ok"), expired("sess_other"), clerk.StatusSignedIn, ""},
		{"§1.9: a header token without a session cookie refreshes itself", atKFetch,
			[]string{atCookie("__refresh_"+sfx, "rt")}, expired("sess_code"), clerk.StatusSignedOut, "session-token-expired-refresh-session_token_and_refresh_token_mismatch"},
		{"§1.9: a header token with a garbage session cookie: expired-session-token-decode-failed", atKFetch,
			[]string{atCookie("__session", "garbage"), atCookie("__refresh_"+sfx, "rt")}, expired("sess_ok"), clerk.StatusSignedOut, "session-token-expired-refresh-expired-session-token-decode-failed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, _ := atClient(t, fake.use)
			var hdr []string
			if tc.header != "" {
				hdr = []string{"Authorization", "Bearer " + tc.header}
			}
			s := atAuthn(c, atReq(tc.kind, atApp+"/", tc.cookies, hdr...))
			atWant(t, s, tc.status, tc.reason)
			if tc.status == clerk.StatusSignedIn {
				if got := s.Headers.Values("Set-Cookie"); len(got) != 2 || !strings.HasPrefix(got[0], "__session=") || got[1] != "__client_uat=1760000000; Path=/" {
					t.Errorf("Set-Cookie = %q", got)
				}
				if s.Auth.SessionID != "sess_ok" || s.Token == "" || !strings.Contains(s.Headers.Get("Set-Cookie"), s.Token) {
					t.Errorf("auth %+v, token %q", s.Auth, s.Token)
				}
			}
			if strings.HasPrefix(string(tc.reason), "session-token-expired") {
				want := "JWT is expired."
				if !strings.HasPrefix(s.Message, want) || !strings.HasSuffix(s.Message, "(reason=token-expired, token-carrier="+carrier(tc.header)+")") {
					t.Errorf("message %q", s.Message)
				}
			}
		})
	}
}

func carrier(header string) string {
	if header != "" {
		return "header"
	}
	return "cookie"
}

// TestRefreshRequest pins what is sent (spec §1.9 step 2, §11).
func TestRefreshRequest(t *testing.T) {
	t.Parallel()
	sfx := clerk.CookieSuffix(atProd)
	fresh := func(sid string) string {
		return atKey().MustSign(clerktest.SessionV2(atUser, sid, atNow, clerktest.WithIssuer("https://"+atFAPI)))
	}
	for _, suffixed := range []bool{false, true} {
		fake := refreshFake(t, fresh)
		c, _ := atClient(t, fake.use)
		expired := atKey().MustSign(clerktest.SessionV2(atUser, "sess_ok", atNow.Add(-2*time.Minute), clerktest.WithIssuer("https://"+atFAPI)))
		name := func(n string) string {
			if suffixed {
				return n + "_" + sfx
			}
			return n
		}
		cookies := []string{atCookie(name("__session"), expired), atCookie(name("__client_uat"), atUnix(-time.Hour)), atCookie("__refresh_"+sfx, "rt_1")}
		r := atReq(atKFetch, "http://internal:8080/api?x=1", cookies, "User-Agent", "test-agent", "X-Forwarded-Host", "app.example.com", "X-Forwarded-Proto", "https")
		r.Header.Add("X-Multi", "a")
		r.Header.Add("X-Multi", "b")
		s := atAuthn(c, r)
		atWant(t, s, clerk.StatusSignedIn, "")
		reqs := fake.requests()
		if len(reqs) != 1 {
			t.Fatalf("%d Backend API requests", len(reqs))
		}
		got := reqs[0]
		wantQuery := ""
		if suffixed {
			wantQuery = "suffixed_cookies=true" // false is omitted, as Clerk drops falsy query values
		}
		if got.method != "POST" || got.path != "/v1/sessions/sess_ok/refresh" || got.rawQuery != wantQuery {
			t.Errorf("suffixed=%v: %s %s?%s", suffixed, got.method, got.path, got.rawQuery)
		}
		if got.header.Get("Authorization") != "Bearer "+atProdS || got.header.Get("Clerk-API-Version") != clerk.SupportedAPIVersion ||
			got.header.Get("Content-Type") != "application/json" || !strings.HasPrefix(got.header.Get("User-Agent"), "clerkguard/") {
			t.Errorf("headers %v", got.header)
		}
		wantBody := map[string]any{
			"format": "cookie", "expired_token": expired, "refresh_token": "rt_1", "request_origin": "https://app.example.com",
			"request_headers": map[string]any{
				"accept": []any{"*/*"}, "cookie": []any{strings.Join(cookies, "; ")}, "sec-fetch-dest": []any{"empty"},
				"user-agent": []any{"test-agent"}, "x-forwarded-host": []any{"app.example.com"}, "x-forwarded-proto": []any{"https"},
				"x-multi": []any{"a, b"}, "host": []any{"internal:8080"},
			},
		}
		if !reflect.DeepEqual(got.body, wantBody) {
			gb, _ := json.MarshalIndent(got.body, "", " ")
			wb, _ := json.MarshalIndent(wantBody, "", " ")
			t.Errorf("suffixed=%v body\n got %s\nwant %s", suffixed, gb, wb)
		}
	}
}

// TestRefreshWithoutSecretKey: a networkless client (JWTKey only) has no
// Backend API to refresh with (spec §1.9 "missing-api-client").
func TestRefreshWithoutSecretKey(t *testing.T) {
	t.Parallel()
	c, _ := atClient(t, func(o *clerk.Options) { o.SecretKey = "" })
	sfx := clerk.CookieSuffix(atProd)
	expired := atTok(clerktest.WithExp(-time.Minute), clerktest.WithIat(-2*time.Minute))
	s := atAuthn(c, atReq(atKFetch, atApp+"/", []string{atCookie("__session", expired), atCookie("__client_uat", "1"), atCookie("__refresh_"+sfx, "rt")}))
	atWant(t, s, clerk.StatusSignedOut, "session-token-expired-refresh-missing-api-client")
}
