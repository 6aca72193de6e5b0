package clerk

import (
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"math"
	"slices"
	"strings"
	"testing"
)

func decodeClaims(t *testing.T, payload string) *SessionClaims {
	t.Helper()
	c, err := decodeSessionClaims([]byte(payload))
	if err != nil {
		t.Fatalf("decodeSessionClaims(%s): %v", payload, err)
	}
	return c
}

func TestAuthFromSessionClaimsSignedIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		want    Auth // compared field by field, Claims and token aside
	}{
		{
			name: "v1 with organization",
			payload: `{"sub":"user_1","sid":"sess_1","sts":"active","act":{"sub":"user_admin","type":"impersonation"},
				"org_id":"org_1","org_role":"org:admin","org_slug":"acme","org_permissions":["org:a:read"],"fva":[3,-1]}`,
			want: Auth{
				TokenType: SessionToken, IsAuthenticated: true,
				UserID: "user_1", SessionID: "sess_1", SessionStatus: "active",
				OrgID: "org_1", OrgRole: "org:admin", OrgSlug: "acme", OrgPermissions: []string{"org:a:read"},
				Actor:                 &Actor{Subject: "user_admin", Type: "impersonation"},
				FactorVerificationAge: []int{3, -1},
			},
		},
		{
			name: "v2 with organization",
			payload: `{"v":2,"sub":"user_1","sid":"sess_1","fea":"o:reports,u:chat",
				"o":{"id":"org_1","rol":"admin","slg":"acme","per":"read,manage","fpm":"2"}}`,
			want: Auth{
				TokenType: SessionToken, IsAuthenticated: true,
				UserID: "user_1", SessionID: "sess_1",
				OrgID: "org_1", OrgRole: "org:admin", OrgSlug: "acme", OrgPermissions: []string{"org:reports:manage"},
			},
		},
		{
			name:    "v2 without organization equals v1 without organization",
			payload: `{"v":2,"sub":"user_1","sid":"sess_1","fea":"u:impersonation,u:memberships"}`,
			want:    Auth{TokenType: SessionToken, IsAuthenticated: true, UserID: "user_1", SessionID: "sess_1"},
		},
		{
			name:    "no sts claim",
			payload: `{"sub":"user_1","sid":"sess_1"}`,
			want:    Auth{TokenType: SessionToken, IsAuthenticated: true, UserID: "user_1", SessionID: "sess_1"},
		},
		{
			name:    "malformed fea without organization is not an error",
			payload: `{"v":2,"sub":"user_1","sid":"sess_1","fea":"oops"}`,
			want:    Auth{TokenType: SessionToken, IsAuthenticated: true, UserID: "user_1", SessionID: "sess_1"},
		},
		{
			name:    "malformed fva is dropped",
			payload: `{"sub":"user_1","sid":"sess_1","fva":[1,2,3]}`,
			want:    Auth{TokenType: SessionToken, IsAuthenticated: true, UserID: "user_1", SessionID: "sess_1"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := decodeClaims(t, tt.payload)
			got, err := authFromSessionClaims(c, "the-token", true)
			if err != nil {
				t.Fatalf("authFromSessionClaims error: %v", err)
			}
			assertAuth(t, got, &tt.want)
			if got.Claims != c {
				t.Errorf("Claims = %p, want the decoded claims %p", got.Claims, c)
			}
			if tok := got.rawToken(); tok != "the-token" {
				t.Errorf("rawToken() = %q, want %q", tok, "the-token")
			}
			if !got.IsSignedIn() {
				t.Error("IsSignedIn() = false, want true")
			}
		})
	}
}

func assertAuth(t *testing.T, got, want *Auth) {
	t.Helper()
	if got == nil {
		t.Fatal("Auth is nil")
	}
	if got.TokenType != want.TokenType || got.IsAuthenticated != want.IsAuthenticated ||
		got.UserID != want.UserID || got.SessionID != want.SessionID || got.SessionStatus != want.SessionStatus ||
		got.OrgID != want.OrgID || got.OrgRole != want.OrgRole || got.OrgSlug != want.OrgSlug {
		t.Errorf("Auth = %v, want %v", got, want)
	}
	if !slices.Equal(got.OrgPermissions, want.OrgPermissions) {
		t.Errorf("OrgPermissions = %q, want %q", got.OrgPermissions, want.OrgPermissions)
	}
	if !slices.Equal(got.FactorVerificationAge, want.FactorVerificationAge) {
		t.Errorf("FactorVerificationAge = %v, want %v", got.FactorVerificationAge, want.FactorVerificationAge)
	}
	switch {
	case (got.Actor == nil) != (want.Actor == nil):
		t.Errorf("Actor = %v, want %v", got.Actor, want.Actor)
	case got.Actor != nil && *got.Actor != *want.Actor:
		t.Errorf("Actor = %+v, want %+v", *got.Actor, *want.Actor)
	}
}

// Spec §5.5: a pending session is signed out unless the caller opts out.
func TestAuthFromSessionClaimsPending(t *testing.T) {
	t.Parallel()
	const payload = `{"sub":"user_1","sid":"sess_1","sts":"pending","org_id":"org_1","org_role":"org:admin","fva":[0,0]}`

	t.Run("treated as signed out by default", func(t *testing.T) {
		t.Parallel()
		a, err := authFromSessionClaims(decodeClaims(t, payload), "tok", true)
		if err != nil {
			t.Fatal(err)
		}
		assertAuth(t, a, &Auth{TokenType: SessionToken, SessionStatus: "pending"})
		if a.Claims != nil || a.Actor != nil || a.rawToken() != "" {
			t.Errorf("signed-out pending Auth keeps session data: %v", a)
		}
		if a.IsSignedIn() || a.Has(Role("admin")) {
			t.Error("a pending session treated as signed out must not be signed in")
		}
	})
	t.Run("exposed when TreatPendingAsSignedOut is false", func(t *testing.T) {
		t.Parallel()
		a, err := authFromSessionClaims(decodeClaims(t, payload), "tok", false)
		if err != nil {
			t.Fatal(err)
		}
		assertAuth(t, a, &Auth{
			TokenType: SessionToken, IsAuthenticated: true, UserID: "user_1", SessionID: "sess_1",
			SessionStatus: "pending", OrgID: "org_1", OrgRole: "org:admin", FactorVerificationAge: []int{0, 0},
		})
		if !a.IsSignedIn() || !a.Has(Role("admin")) {
			t.Error("an exposed pending session is signed in")
		}
	})
	t.Run("an active session is never downgraded", func(t *testing.T) {
		t.Parallel()
		a, err := authFromSessionClaims(decodeClaims(t, `{"sub":"user_1","sts":"active"}`), "tok", true)
		if err != nil || !a.IsSignedIn() {
			t.Errorf("active session: IsSignedIn() = %v, err = %v; want true, nil", a.IsSignedIn(), err)
		}
	})
}

// Spec §3.1 "Edge": Clerk throws while building the auth object.
func TestAuthFromSessionClaimsMalformedFea(t *testing.T) {
	t.Parallel()
	for _, treatPending := range []bool{true, false} {
		for _, sts := range []string{"active", "pending"} {
			payload := `{"v":2,"sub":"user_1","sts":"` + sts + `","fea":"o:a,broken","o":{"id":"org_1"}}`
			a, err := authFromSessionClaims(decodeClaims(t, payload), "tok", treatPending)
			if err == nil || err.Error() != "Invalid claim element (missing colon): broken" {
				t.Errorf("sts %s, treatPending %v: error = %v, want Clerk's missing-colon error", sts, treatPending, err)
			}
			if a != nil {
				t.Errorf("sts %s: Auth = %v, want nil with the error", sts, a)
			}
		}
	}
}

func TestAuthFromNilClaimsIsSignedOut(t *testing.T) {
	t.Parallel()
	a, err := authFromSessionClaims(nil, "tok", true)
	if err != nil {
		t.Fatal(err)
	}
	assertAuth(t, a, &Auth{TokenType: SessionToken})
}

func TestSignedOutAndInvalidTokenAuth(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		got  *Auth
		want Auth
	}{
		{"signed out is a session object", signedOutAuth(), Auth{TokenType: SessionToken}},
		{"invalid token has no token type", invalidTokenAuth(), Auth{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			assertAuth(t, tt.got, &tt.want)
			if tt.got.Claims != nil || tt.got.OrgPermissions != nil || tt.got.FactorVerificationAge != nil || tt.got.rawToken() != "" {
				t.Errorf("%v carries session data", tt.got)
			}
			if tt.got.IsSignedIn() {
				t.Error("IsSignedIn() = true, want false")
			}
		})
	}
	if first, second := signedOutAuth(), signedOutAuth(); first == second {
		t.Error("signedOutAuth returns a shared object; callers may modify it")
	}
}

func TestIsSignedIn(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		auth *Auth
		want bool
	}{
		{"nil", nil, false},
		{"signed out", signedOutAuth(), false},
		{"invalid token", invalidTokenAuth(), false},
		{"signed-in session", &Auth{TokenType: SessionToken, IsAuthenticated: true, UserID: "user_1"}, true},
		{"authenticated machine token", &Auth{TokenType: M2MToken, IsAuthenticated: true}, false},
	}
	for _, tt := range tests {
		if got := tt.auth.IsSignedIn(); got != tt.want {
			t.Errorf("%s: IsSignedIn() = %v, want %v", tt.name, got, tt.want)
		}
	}
}

func TestParseFactorVerificationAge(t *testing.T) {
	t.Parallel()
	tests := []struct {
		raw  string
		want []int // nil: invalid
	}{
		{`[5,12]`, []int{5, 12}},
		{`[0,-1]`, []int{0, -1}},
		{`[-1,-1]`, []int{-1, -1}},
		{` [ 1 , 2 ] `[1:], []int{1, 2}},
		{`[1.9,2.5]`, []int{1, 2}},
		{`[-0,0]`, []int{0, 0}},
		{`[1e2,0]`, []int{100, 0}},
		{`[1e300,0]`, []int{math.MaxInt, 0}},
		{``, nil},
		{`null`, nil},
		{`[]`, nil},
		{`[1]`, nil},
		{`[1,2,3]`, nil},
		{`["1",2]`, nil},
		{`[true,2]`, nil},
		{`[null,2]`, nil},
		{`[[1],2]`, nil},
		{`[-2,0]`, nil},
		{`[-1.5,0]`, nil},
		{`[-0.5,0]`, nil},
		{`[1e400,0]`, nil},
		{`[0,-1e400]`, nil},
		{`{"0":1,"1":2}`, nil},
		{`"1,2"`, nil},
		{`12`, nil},
	}
	for _, tt := range tests {
		got, ok := parseFactorVerificationAge(json.RawMessage(tt.raw))
		if ok != (tt.want != nil) || (ok && !slices.Equal(got[:], tt.want)) {
			t.Errorf("parseFactorVerificationAge(%s) = %v, %v; want %v", tt.raw, got, ok, tt.want)
		}
	}
}

func TestFactorVerificationAgeIsNotShared(t *testing.T) {
	t.Parallel()
	c := decodeClaims(t, `{"sub":"u","fva":[1,2]}`)
	a, _ := authFromSessionClaims(c, "t", true)
	b, _ := authFromSessionClaims(c, "t", true)
	a.FactorVerificationAge[0] = 99
	if b.FactorVerificationAge[0] != 1 {
		t.Errorf("modifying one Auth's FactorVerificationAge changed another's: %v", b.FactorVerificationAge)
	}
}

// The token must never reach logs, whichever way an Auth is printed.
func TestAuthNeverPrintsTheToken(t *testing.T) {
	t.Parallel()
	const token = "eyJhbGciOiJSUzI1NiJ9.c2VjcmV0LXBheWxvYWQ.c2lnbmF0dXJlLXRva2Vu"
	c := decodeClaims(t, `{"sub":"user_1","sid":"sess_1","org_id":"org_1","org_role":"org:admin","act":{"sub":"user_2"}}`)
	a, err := authFromSessionClaims(c, token, true)
	if err != nil {
		t.Fatal(err)
	}
	var outputs []string
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q"} {
		outputs = append(outputs, fmt.Sprintf(verb, a), fmt.Sprintf(verb, *a))
	}
	outputs = append(outputs, a.String())
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, nil)).Info("request", "auth", a)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("request", "auth", a)
	slog.New(slog.NewTextHandler(&buf, nil)).Info("request", "auth", *a)
	slog.New(slog.NewJSONHandler(&buf, nil)).Info("request", "auth", *a)
	outputs = append(outputs, buf.String())
	if j, err := json.Marshal(a); err == nil {
		outputs = append(outputs, string(j))
	}
	for _, out := range outputs {
		if strings.Contains(out, token) || strings.Contains(out, "c2lnbmF0dXJlLXRva2Vu") {
			t.Errorf("output contains the token: %s", out)
		}
	}
}

func TestAuthString(t *testing.T) {
	t.Parallel()
	signedIn := sessionAuth(t, `{"sub":"user_1","sid":"sess_1","sts":"active","org_id":"org_1","org_role":"org:admin","org_slug":"acme","act":{"sub":"user_2"}}`)
	tests := []struct {
		name string
		auth *Auth
		want string
	}{
		{"signed in", signedIn, "Auth{tokenType=session_token isAuthenticated=true userId=user_1 sessionId=sess_1 sessionStatus=active orgId=org_1 orgRole=org:admin orgSlug=acme actor=user_2}"},
		{"signed out", signedOutAuth(), "Auth{tokenType=session_token isAuthenticated=false}"},
		{"pending", &Auth{TokenType: SessionToken, SessionStatus: "pending"}, "Auth{tokenType=session_token isAuthenticated=false sessionStatus=pending}"},
		{"invalid token", invalidTokenAuth(), "Auth{tokenType=null isAuthenticated=false}"},
		{"nil acts as signed out", nil, "Auth{tokenType=session_token isAuthenticated=false}"},
	}
	for _, tt := range tests {
		if got := tt.auth.String(); got != tt.want {
			t.Errorf("%s: String() =\n %s\nwant\n %s", tt.name, got, tt.want)
		}
	}
}

func TestAuthLogValue(t *testing.T) {
	t.Parallel()
	a := sessionAuth(t, `{"sub":"user_1","sid":"sess_1","org_id":"org_1"}`)
	var buf bytes.Buffer
	slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, at slog.Attr) slog.Attr {
			if len(groups) == 0 && at.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return at
		},
	})).Info("req", "auth", a, "none", (*Auth)(nil))
	want := "level=INFO msg=req auth.tokenType=session_token auth.isAuthenticated=true auth.userId=user_1 auth.sessionId=sess_1 auth.orgId=org_1 none.tokenType=session_token none.isAuthenticated=false\n"
	if got := buf.String(); got != want {
		t.Errorf("log line =\n %s\nwant\n %s", got, want)
	}
}

func TestNilAuthMethodsDoNotPanic(t *testing.T) {
	t.Parallel()
	var a *Auth
	if a.IsSignedIn() || a.Has(Role("admin")) || a.rawToken() != "" {
		t.Error("a nil *Auth must act as signed out")
	}
	_ = a.String()
	_ = a.LogValue().Resolve()
	_ = fmt.Sprint(a)
}
