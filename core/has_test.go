package clerk

import (
	"encoding/json"
	"testing"
)

// sessionAuth builds the signed-in Auth of a verified payload, as the
// verifier does.
func sessionAuth(t testing.TB, payload string) *Auth {
	t.Helper()
	c, err := decodeSessionClaims([]byte(payload))
	if err != nil {
		t.Fatalf("decodeSessionClaims(%s): %v", payload, err)
	}
	a, err := authFromSessionClaims(c, "token", true)
	if err != nil {
		t.Fatalf("authFromSessionClaims(%s): %v", payload, err)
	}
	return a
}

// Payloads of Clerk's own has() tests (spec §4.5).
const (
	// authObjects.test.ts "JWT v1 has() for orgs".
	v1OrgPayload = `{"sub":"userId","sid":"sessionId","act":{"sub":"actor"},
		"org_id":"orgId","org_role":"org:admin","org_slug":"orgSlug",
		"org_permissions":["org:f1:read","org:f2:manage"]}`
	// authObjects.test.ts "JWT v2 has() for orgs".
	v2OrgPayload = `{"v":2,"sub":"userId","sid":"sessionId","act":{"sub":"actor"},
		"fea":"o:reservations,o:impersonation",
		"o":{"id":"orgId","rol":"admin","slg":"orgSlug","per":"read,manage","fpm":"3"}}`
	// authObjects.test.ts "has() for billing with scopes" / "without scopes".
	v2BillingPayload = `{"v":2,"sub":"userId","sid":"sessionId","act":{"sub":"actor"},
		"fea":"o:reservations,u:dashboard,uo:support-chat,o:impersonation",
		"o":{"id":"orgId","rol":"member","slg":"orgSlug","per":"read,manage","fpm":"2,3"},
		"pla":"u:pro,o:business"}`
	// authorization.spec.ts "correctly parses features".
	v2FeaturesPayload = `{"v":2,"sub":"user_123","fea":"o:reservations,u:dashboard","o":{"id":"org_123","rol":"admin"}}`
)

// fvaPayload is a signed-in v2 session whose fva claim is the given JSON.
func fvaPayload(fva string) string {
	return `{"v":2,"sub":"user_1","sid":"sess_1","fva":` + fva + `}`
}

type hasCase struct {
	name    string
	payload string
	checks  []Check
	want    bool
}

func hasCases() []hasCase {
	return []hasCase{
		// JWT v1 organizations.
		{"v1 role with prefix", v1OrgPayload, []Check{Role("org:admin")}, true},
		{"v1 role without prefix", v1OrgPayload, []Check{Role("admin")}, true},
		{"v1 role with repeated prefix", v1OrgPayload, []Check{Role("org:org:admin")}, true},
		{"v1 other role", v1OrgPayload, []Check{Role("org:member")}, false},
		{"v1 permission", v1OrgPayload, []Check{Permission("org:f1:read")}, true},
		{"v1 permission without prefix", v1OrgPayload, []Check{Permission("f1:read")}, true},
		{"v1 feature name is not a permission", v1OrgPayload, []Check{Permission("org:f1")}, false},
		{"v1 second permission", v1OrgPayload, []Check{Permission("org:f2:manage")}, true},
		{"v1 second feature name is not a permission", v1OrgPayload, []Check{Permission("org:f2")}, false},
		{"v1 has no features", v1OrgPayload, []Check{Feature("org:reservations")}, false},
		{"v1 has no features either", v1OrgPayload, []Check{Feature("org:impersonation")}, false},
		{"v1 has no plans", v1OrgPayload, []Check{Plan("pro")}, false},

		// JWT v2 organizations.
		{"v2 role", v2OrgPayload, []Check{Role("org:admin")}, true},
		{"v2 role without prefix", v2OrgPayload, []Check{Role("admin")}, true},
		{"v2 permission from fpm bit 0", v2OrgPayload, []Check{Permission("org:reservations:read")}, true},
		{"v2 feature name is not a permission", v2OrgPayload, []Check{Permission("org:reservations")}, false},
		{"v2 permission from fpm bit 1", v2OrgPayload, []Check{Permission("org:reservations:manage")}, true},
		{"v2 feature without mask has no read", v2OrgPayload, []Check{Permission("org:impersonation:read")}, false},
		{"v2 feature without mask has no manage", v2OrgPayload, []Check{Permission("org:impersonation:manage")}, false},
		{"v2 org feature", v2OrgPayload, []Check{Feature("org:reservations")}, true},
		{"v2 second org feature", v2OrgPayload, []Check{Feature("org:impersonation")}, true},
		{
			"v2 role sent with prefix matches after doubling",
			`{"v":2,"sub":"u","o":{"id":"org_1","rol":"org:admin"}}`,
			[]Check{Role("org:admin")}, true,
		},
		{
			"v2 doubled role matches the bare name",
			`{"v":2,"sub":"u","o":{"id":"org_1","rol":"org:admin"}}`,
			[]Check{Role("admin")}, true,
		},

		// Billing with scopes.
		{"billing: org permission from mask 2", v2BillingPayload, []Check{Permission("org:reservations:read")}, false},
		{"billing: org permission from mask 2 bit 1", v2BillingPayload, []Check{Permission("org:reservations:manage")}, true},
		{"billing: uo feature read", v2BillingPayload, []Check{Permission("org:support-chat:read")}, true},
		{"billing: uo feature manage", v2BillingPayload, []Check{Permission("org:support-chat:manage")}, true},
		{"billing: user feature is no org permission", v2BillingPayload, []Check{Permission("u:dashboard:manage")}, false},
		{"billing: user feature is no org permission either", v2BillingPayload, []Check{Permission("u:dashboard:read")}, false},
		{"billing: org feature with org scope", v2BillingPayload, []Check{Feature("org:reservations")}, true},
		{"billing: org feature with user scope", v2BillingPayload, []Check{Feature("user:reservations")}, false},
		{"billing: org feature without mask", v2BillingPayload, []Check{Feature("org:impersonation")}, true},
		{"billing: org feature without mask, user scope", v2BillingPayload, []Check{Feature("user:impersonation")}, false},
		{"billing: user feature with org scope", v2BillingPayload, []Check{Feature("org:dashboard")}, false},
		{"billing: user feature with user scope", v2BillingPayload, []Check{Feature("user:dashboard")}, true},
		{"billing: uo feature with org scope", v2BillingPayload, []Check{Feature("org:support-chat")}, true},
		{"billing: uo feature with user scope", v2BillingPayload, []Check{Feature("user:support-chat")}, true},
		{"billing: org plan with org scope", v2BillingPayload, []Check{Plan("org:business")}, true},
		{"billing: org plan with user scope", v2BillingPayload, []Check{Plan("user:business")}, false},
		{"billing: user plan with org scope", v2BillingPayload, []Check{Plan("org:pro")}, false},
		{"billing: user plan with user scope", v2BillingPayload, []Check{Plan("user:pro")}, true},

		// Billing without scopes.
		{"unscoped: org feature", v2BillingPayload, []Check{Feature("reservations")}, true},
		{"unscoped: user feature", v2BillingPayload, []Check{Feature("dashboard")}, true},
		{"unscoped: a plan is not a feature", v2BillingPayload, []Check{Feature("pro")}, false},
		{"unscoped: org feature without mask", v2BillingPayload, []Check{Feature("impersonation")}, true},
		{"unscoped: user plan", v2BillingPayload, []Check{Plan("pro")}, true},
		{"unscoped: org plan", v2BillingPayload, []Check{Plan("business")}, true},

		// Feature scopes (authorization.spec.ts).
		{"scope o", v2FeaturesPayload, []Check{Feature("o:reservations")}, true},
		{"scope org", v2FeaturesPayload, []Check{Feature("org:reservations")}, true},
		{"scope organization", v2FeaturesPayload, []Check{Feature("organization:reservations")}, true},
		{"no scope, org feature", v2FeaturesPayload, []Check{Feature("reservations")}, true},
		{"scope u", v2FeaturesPayload, []Check{Feature("u:dashboard")}, true},
		{"scope user", v2FeaturesPayload, []Check{Feature("user:dashboard")}, true},
		{"no scope, user feature", v2FeaturesPayload, []Check{Feature("dashboard")}, true},
		{"unknown scope fails", v2FeaturesPayload, []Check{Feature("lol:dashboard")}, false},
		{"empty scope fails", v2FeaturesPayload, []Check{Feature(":dashboard")}, false},
		{"scope is case-sensitive", v2FeaturesPayload, []Check{Feature("O:reservations")}, false},
		{"only the first two pieces of the query count", v2FeaturesPayload, []Check{Feature("o:reservations:extra")}, true},
		{"unknown feature", v2FeaturesPayload, []Check{Feature("o:other")}, false},
		{"a feature needs no organization", `{"v":2,"sub":"u","fea":"u:dashboard"}`, []Check{Feature("dashboard")}, true},
		{"empty fea fails", `{"v":2,"sub":"u","fea":""}`, []Check{Feature("dashboard")}, false},
		{"claim entries are trimmed", `{"v":2,"sub":"u","pla":" u:free , o:pro "}`, []Check{Plan("o:pro")}, true},
		{"a claim entry without colon fails the check", `{"v":2,"sub":"u","fea":"u:dashboard,oops"}`, []Check{Feature("dashboard")}, false},
		{"a claim entry without colon fails even after a match", `{"v":2,"sub":"u","pla":"u:free,oops"}`, []Check{Plan("free")}, false},
		{"a trailing comma fails the check", `{"v":2,"sub":"u","pla":"u:free,"}`, []Check{Plan("free")}, false},
		{"unknown claim scopes are never matched", `{"v":2,"sub":"u","fea":"x:dashboard"}`, []Check{Feature("dashboard")}, false},
		{"scope without id uses the scope as id", `{"v":2,"sub":"u","fea":"o:o"}`, []Check{Feature("o:")}, true},
		{"empty query matches an empty feature", `{"v":2,"sub":"u","fea":"u:"}`, []Check{Feature("")}, true},
		{"a feature value keeps its colons", `{"v":2,"sub":"u","fea":"o:a:b"}`, []Check{Feature("o:a:b")}, false},
		// Clerk reads fea and pla whatever the token version (v1 tokens just
		// do not carry them).
		{"fea is read on a v1 token too", `{"sub":"u","fea":"u:dashboard"}`, []Check{Feature("dashboard")}, true},

		// Several checks are ANDed.
		{"role and permission both hold", v2OrgPayload, []Check{Role("admin"), Permission("org:reservations:read")}, true},
		{"role holds, permission does not", v2OrgPayload, []Check{Role("admin"), Permission("org:impersonation:read")}, false},
		{"role holds, feature does not", v2OrgPayload, []Check{Role("admin"), Feature("u:nope")}, false},
		{"role and feature hold", v2OrgPayload, []Check{Role("admin"), Feature("o:impersonation")}, true},
		{"feature and plan both hold", v2BillingPayload, []Check{Feature("dashboard"), Plan("business")}, true},
		{"feature holds, plan does not", v2BillingPayload, []Check{Feature("dashboard"), Plan("enterprise")}, false},
		// Checks of one kind are ANDed too: a later check never hides an
		// earlier one (in Clerk's object form a kind cannot repeat).
		{"two roles: the user has only one", v2OrgPayload, []Check{Role("member"), Role("admin")}, false},
		{"two roles: the user has only one, other order", v2OrgPayload, []Check{Role("admin"), Role("member")}, false},
		{"the same role twice", v2OrgPayload, []Check{Role("admin"), Role("org:admin")}, true},
		{"two permissions, only the second held", v2OrgPayload, []Check{Permission("org:impersonation:read"), Permission("org:reservations:read")}, false},
		{"two permissions, only the first held", v2OrgPayload, []Check{Permission("org:reservations:read"), Permission("org:impersonation:read")}, false},
		{"two features, one missing", v2BillingPayload, []Check{Feature("dashboard"), Feature("u:nope")}, false},
		{"nothing asked is false", v2OrgPayload, nil, false},
		{"a zero Check asks nothing", v2OrgPayload, []Check{{}}, false},
		{"a zero Check does not hide a real one", v2OrgPayload, []Check{{}, Role("admin")}, true},

		// Without an organization.
		{"role without organization", `{"v":2,"sub":"u"}`, []Check{Role("admin")}, false},
		{"permission without organization", `{"sub":"u","org_permissions":["org:a:b"]}`, []Check{Permission("org:a:b")}, false},
		{"role needs an org id", `{"sub":"u","org_role":"org:admin"}`, []Check{Role("admin")}, false},
		{"empty role never matches", `{"v":2,"sub":"u","o":{"id":"org_1"}}`, []Check{Role("")}, false},
		{"empty query role matches the bare prefix", `{"sub":"u","org_id":"org_1","org_role":"org:"}`, []Check{Role("")}, true},
		{"permission entries are not normalised", `{"sub":"u","org_id":"o","org_permissions":["a:b"]}`, []Check{Permission("a:b")}, false},
		{"no user, no access", `{"v":2,"o":{"id":"org_1","rol":"admin"}}`, []Check{Role("admin")}, false},

		// Reverification (spec §4.5).
		{"[5,12] strict fails", fvaPayload(`[5,12]`), []Check{Reverification(Strict)}, false},
		{"[5,12] moderate passes", fvaPayload(`[5,12]`), []Check{Reverification(Moderate)}, true},
		{"[0,-1] strict_mfa downgrades to the first factor", fvaPayload(`[0,-1]`), []Check{Reverification(StrictMFA)}, true},
		{"[-1,-1] strict fails", fvaPayload(`[-1,-1]`), []Check{Reverification(Strict)}, false},
		{"[-1,-1] lax fails", fvaPayload(`[-1,-1]`), []Check{Reverification(Lax)}, false},
		{"first factor exactly afterMinutes old fails", fvaPayload(`[5,0]`), []Check{Reverification(ReverificationConfig{Level: FirstFactor, AfterMinutes: 5})}, false},
		{"first factor younger than afterMinutes passes", fvaPayload(`[4,0]`), []Check{Reverification(ReverificationConfig{Level: FirstFactor, AfterMinutes: 5})}, true},
		{"custom level without afterMinutes fails", fvaPayload(`[0,0]`), []Check{Reverification(ReverificationConfig{Level: MultiFactor})}, false},
		{"afterMinutes -1 fails", fvaPayload(`[0,0]`), []Check{Reverification(ReverificationConfig{Level: SecondFactor, AfterMinutes: -1})}, false},
		{"unknown level fails", fvaPayload(`[0,0]`), []Check{Reverification(ReverificationConfig{Level: "third_factor", AfterMinutes: 10})}, false},
		{"empty level fails", fvaPayload(`[0,0]`), []Check{Reverification(ReverificationConfig{AfterMinutes: 10})}, false},
		{"unknown preset fails", fvaPayload(`[0,0]`), []Check{Reverification(ReverificationPreset("paranoid"))}, false},
		{"empty preset fails", fvaPayload(`[0,0]`), []Check{Reverification(ReverificationPreset(""))}, false},
		{"nil requirement fails", fvaPayload(`[0,0]`), []Check{Reverification(nil)}, false},
		{"nil config pointer fails", fvaPayload(`[0,0]`), []Check{Reverification((*ReverificationConfig)(nil))}, false},
		{"config pointer", fvaPayload(`[0,0]`), []Check{Reverification(&ReverificationConfig{Level: SecondFactor, AfterMinutes: 1})}, true},
		{"preset pointer", fvaPayload(`[0,0]`), []Check{func() Check { p := Strict; return Reverification(&p) }()}, true},
		{"strict: second factor fresh", fvaPayload(`[20,3]`), []Check{Reverification(Strict)}, true},
		{"strict: second factor stale", fvaPayload(`[3,20]`), []Check{Reverification(Strict)}, false},
		{"strict: no second factor, first fresh", fvaPayload(`[3,-1]`), []Check{Reverification(Strict)}, true},
		{"strict: no first factor, second fresh", fvaPayload(`[-1,3]`), []Check{Reverification(Strict)}, true},
		{"strict: no first factor, second stale", fvaPayload(`[-1,10]`), []Check{Reverification(Strict)}, false},
		{"strict_mfa: both fresh", fvaPayload(`[3,3]`), []Check{Reverification(StrictMFA)}, true},
		{"strict_mfa: first stale", fvaPayload(`[11,3]`), []Check{Reverification(StrictMFA)}, false},
		{"strict_mfa: second stale", fvaPayload(`[3,11]`), []Check{Reverification(StrictMFA)}, false},
		{"strict_mfa: no first factor fails", fvaPayload(`[-1,3]`), []Check{Reverification(StrictMFA)}, false},
		{"strict_mfa: no second factor, first stale", fvaPayload(`[10,-1]`), []Check{Reverification(StrictMFA)}, false},
		{"first_factor: never verified fails", fvaPayload(`[-1,3]`), []Check{Reverification(ReverificationConfig{Level: FirstFactor, AfterMinutes: 10})}, false},
		{"lax: just under a day", fvaPayload(`[1439,-1]`), []Check{Reverification(Lax)}, true},
		{"lax: a day", fvaPayload(`[1440,-1]`), []Check{Reverification(Lax)}, false},
		{"moderate: just under an hour", fvaPayload(`[100,59]`), []Check{Reverification(Moderate)}, true},
		{"moderate: an hour", fvaPayload(`[0,60]`), []Check{Reverification(Moderate)}, false},
		{"fractional ages below the threshold pass", fvaPayload(`[9.9,-1]`), []Check{Reverification(Strict)}, true},
		{"fractional ages above the threshold fail", fvaPayload(`[10.5,-1]`), []Check{Reverification(Strict)}, false},
		{"huge ages are valid but stale", fvaPayload(`[1e300,-1]`), []Check{Reverification(Lax)}, false},
		{"negative zero is a valid age", fvaPayload(`[-0,-1]`), []Check{Reverification(Strict)}, true},
		{"missing fva fails", `{"v":2,"sub":"u"}`, []Check{Reverification(Lax)}, false},
		{"null fva fails", fvaPayload(`null`), []Check{Reverification(Lax)}, false},
		{"fva of one number fails", fvaPayload(`[0]`), []Check{Reverification(Lax)}, false},
		{"fva of three numbers fails", fvaPayload(`[0,0,0]`), []Check{Reverification(Lax)}, false},
		{"fva with a string fails", fvaPayload(`["0",0]`), []Check{Reverification(Lax)}, false},
		{"fva with null fails", fvaPayload(`[0,null]`), []Check{Reverification(Lax)}, false},
		{"fva below -1 fails", fvaPayload(`[-2,0]`), []Check{Reverification(Lax)}, false},
		{"fva between -1 and 0 fails", fvaPayload(`[0,-0.5]`), []Check{Reverification(Lax)}, false},
		{"infinite fva fails", fvaPayload(`[1e400,0]`), []Check{Reverification(Lax)}, false},
		{"fva object fails", fvaPayload(`{"0":0,"1":0}`), []Check{Reverification(Lax)}, false},
		{"fva string fails", fvaPayload(`"0,0"`), []Check{Reverification(Lax)}, false},
		{"reverification and role both hold", `{"sub":"u","org_id":"o","org_role":"org:admin","fva":[1,1]}`, []Check{Role("admin"), Reverification(Strict)}, true},
		{"role holds, reverification does not", `{"sub":"u","org_id":"o","org_role":"org:admin","fva":[11,11]}`, []Check{Role("admin"), Reverification(Strict)}, false},
	}
}

func TestHas(t *testing.T) {
	t.Parallel()
	for _, tt := range hasCases() {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			a := sessionAuth(t, tt.payload)
			if got := a.Has(tt.checks...); got != tt.want {
				t.Errorf("Has(%v) = %v, want %v\npayload %s", tt.checks, got, tt.want, tt.payload)
			}
			// HasFunc is the method value's type.
			var has HasFunc = a.Has
			if got := has(tt.checks...); got != tt.want {
				t.Errorf("HasFunc(%v) = %v, want %v", tt.checks, got, tt.want)
			}
		})
	}
}

func TestHasIsFalseWithoutASignedInSession(t *testing.T) {
	t.Parallel()
	signedIn := func() *Auth {
		return sessionAuth(t, `{"sub":"user_1","org_id":"org_1","org_role":"org:admin","org_permissions":["org:a:b"],"fva":[0,0]}`)
	}
	all := []Check{Role("admin"), Permission("a:b"), Reverification(Lax)}
	tests := []struct {
		name string
		auth *Auth
	}{
		{"nil auth", nil},
		{"signed out", signedOutAuth()},
		{"invalid token", invalidTokenAuth()},
		{"pending session treated as signed out", sessionAuth(t, `{"sub":"user_1","sts":"pending","org_id":"org_1","org_role":"org:admin"}`)},
		{"machine token", func() *Auth { a := signedIn(); a.TokenType = M2MToken; return a }()},
		{"api key", func() *Auth { a := signedIn(); a.TokenType = APIKey; return a }()},
		{"oauth token", func() *Auth { a := signedIn(); a.TokenType = OAuthToken; return a }()},
		{"not authenticated", func() *Auth { a := signedIn(); a.IsAuthenticated = false; return a }()},
		{"no user id", func() *Auth { a := signedIn(); a.UserID = ""; return a }()},
	}
	if !signedIn().Has(all...) {
		t.Fatal("the signed-in baseline must pass every check")
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			for _, c := range all {
				if tt.auth.Has(c) {
					t.Errorf("Has(%v) = true, want false", c)
				}
			}
			if tt.auth.Has(all...) {
				t.Errorf("Has(all) = true, want false")
			}
		})
	}
}

func TestHasReadsTheAuthFields(t *testing.T) {
	t.Parallel()
	// An Auth assembled by hand (say, in an application's tests) is checked
	// on its exported fields.
	a := &Auth{
		TokenType:             SessionToken,
		IsAuthenticated:       true,
		UserID:                "user_1",
		OrgID:                 "org_1",
		OrgRole:               "org:admin",
		OrgPermissions:        []string{"org:invoices:create"},
		FactorVerificationAge: []int{3, -1},
	}
	for _, c := range []Check{Role("admin"), Permission("invoices:create"), Reverification(Strict)} {
		if !a.Has(c) {
			t.Errorf("Has(%v) = false, want true", c)
		}
	}
	if a.Has(Feature("reports")) {
		t.Error("Has(Feature) without claims = true, want false")
	}
	a.FactorVerificationAge = []int{3, -2}
	if a.Has(Reverification(Lax)) {
		t.Error("Has(Reverification) with an invalid age = true, want false")
	}
}

func TestHasDoesNotAllocate(t *testing.T) {
	a := sessionAuth(t, v2BillingPayload)
	fva := sessionAuth(t, fvaPayload(`[1,2]`))
	tests := []struct {
		name string
		f    func() bool
	}{
		{"role", func() bool { return a.Has(Role("org:member")) }},
		{"permission", func() bool { return a.Has(Permission("org:support-chat:manage")) }},
		{"role and permission", func() bool { return a.Has(Role("member"), Permission("support-chat:read")) }},
		{"feature", func() bool { return a.Has(Feature("user:support-chat")) }},
		{"plan", func() bool { return a.Has(Plan("business")) }},
		{"preset", func() bool { return fva.Has(Reverification(Strict)) }},
		{"custom", func() bool {
			return fva.Has(Reverification(ReverificationConfig{Level: MultiFactor, AfterMinutes: 5}))
		}},
	}
	for _, tt := range tests {
		if !tt.f() {
			t.Fatalf("%s: Has = false, want true", tt.name)
		}
		if n := minAllocs(100, func() { tt.f() }); n != 0 {
			t.Errorf("%s: Has allocates %v times, want 0", tt.name, n)
		}
	}
}

// The reverification requirement marshals as Clerk sends it in the metadata
// of a reverification error.
func TestReverificationJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   ReverificationRequirement
		want string
	}{
		{"strict_mfa", StrictMFA, `"strict_mfa"`},
		{"strict", Strict, `"strict"`},
		{"moderate", Moderate, `"moderate"`},
		{"lax", Lax, `"lax"`},
		{"custom", ReverificationConfig{Level: SecondFactor, AfterMinutes: 30}, `{"level":"second_factor","afterMinutes":30}`},
		{"custom pointer", &ReverificationConfig{Level: FirstFactor, AfterMinutes: 5}, `{"level":"first_factor","afterMinutes":5}`},
		{"multi factor", ReverificationConfig{Level: MultiFactor, AfterMinutes: 10}, `{"level":"multi_factor","afterMinutes":10}`},
		{"nil", nil, `null`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := json.Marshal(Reverification(tt.in).reverificationValue())
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("JSON of Reverification(%v) = %s, want %s", tt.in, got, tt.want)
			}
			if tt.in == nil {
				return
			}
			direct, err := json.Marshal(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if string(direct) != tt.want {
				t.Errorf("json.Marshal(%v) = %s, want %s", tt.in, direct, tt.want)
			}
		})
	}
	if v := Role("admin").reverificationValue(); v != nil {
		t.Errorf("Role(...).reverificationValue() = %v, want nil", v)
	}
}

func TestPresetsAreClerks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		preset ReverificationPreset
		level  ReverificationLevel
		after  int
	}{
		{StrictMFA, MultiFactor, 10},
		{Strict, SecondFactor, 10},
		{Moderate, SecondFactor, 60},
		{Lax, SecondFactor, 1440},
	}
	for _, tt := range tests {
		level, after, ok := tt.preset.reverification()
		if !ok || level != tt.level || after != tt.after {
			t.Errorf("%s = (%s, %d, %v), want (%s, %d, true)", tt.preset, level, after, ok, tt.level, tt.after)
		}
	}
}

func TestCheckString(t *testing.T) {
	t.Parallel()
	tests := []struct {
		c    Check
		want string
	}{
		{Role("org:admin"), `Role("org:admin")`},
		{Permission("org:a:b"), `Permission("org:a:b")`},
		{Feature("o:reports"), `Feature("o:reports")`},
		{Plan("pro"), `Plan("pro")`},
		{Reverification(Strict), `Reverification("strict")`},
		{Reverification(ReverificationConfig{Level: SecondFactor, AfterMinutes: 30}), `Reverification({Level: "second_factor", AfterMinutes: 30})`},
		{Reverification(nil), `Reverification(nil)`},
		{Check{}, `Check{}`},
	}
	for _, tt := range tests {
		if got := tt.c.String(); got != tt.want {
			t.Errorf("String() = %s, want %s", got, tt.want)
		}
	}
}

func TestTrimOrgPrefix(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"admin", "admin"},
		{"org:admin", "admin"},
		{"org:org:org:admin", "admin"},
		{"org:", ""},
		{"ORG:admin", "ORG:admin"},
		{"orgadmin", "orgadmin"},
		{"f1:org:read", "f1:org:read"},
	}
	for _, tt := range tests {
		if got := trimOrgPrefix(tt.in); got != tt.want {
			t.Errorf("trimOrgPrefix(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func BenchmarkHas(b *testing.B) {
	a := sessionAuth(b, v2BillingPayload)
	b.Run("role", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.Has(Role("org:member"))
		}
	})
	b.Run("permission", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.Has(Permission("org:support-chat:manage"))
		}
	})
	b.Run("feature", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			a.Has(Feature("user:support-chat"))
		}
	})
}
