package clerk

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
)

// permNames returns "p0,p1,...,p<n-1>".
func permNames(n int) string {
	names := make([]string, n)
	for i := range names {
		names[i] = fmt.Sprintf("p%d", i)
	}
	return strings.Join(names, ",")
}

// Spec §3.1: the fea + o.per + o.fpm decoding, with Clerk's test vectors.
func TestOrgPermissionsDecoding(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		fea, per, fpm string
		want          []string
	}{
		{
			name: "spec worked example indexes into the org-scoped features",
			fea:  "o:reservations,u:dashboard,uo:support-chat,o:impersonation",
			per:  "read,manage", fpm: "2,3",
			want: []string{"org:reservations:manage", "org:support-chat:read", "org:support-chat:manage"},
		},
		{
			name: "docs example",
			fea:  "o:dashboard,o:teams", per: "manage,read", fpm: "3,2",
			want: []string{"org:dashboard:manage", "org:dashboard:read", "org:teams:read"},
		},
		{
			name: "bits are least-significant first",
			fea:  "o:repositories,o:projects", per: "read,create,update,delete,revoke", fpm: "7,21",
			want: []string{
				"org:repositories:read", "org:repositories:create", "org:repositories:update",
				"org:projects:read", "org:projects:update", "org:projects:revoke",
			},
		},
		{
			name: "a zero mask grants nothing",
			fea:  "o:repositories,o:impersonation,o:billing", per: "manage,read,update", fpm: "6,0,3",
			want: []string{"org:repositories:read", "org:repositories:update", "org:billing:manage", "org:billing:read"},
		},
		{
			name: "uo and ou scopes count as org features",
			fea:  "uo:impersonation,o:memberships,uo:feature3", per: "read,manage", fpm: "1,3,1",
			want: []string{"org:impersonation:read", "org:memberships:read", "org:memberships:manage", "org:feature3:read"},
		},
		{
			name: "user-scoped features are skipped when indexing",
			fea:  "o:repositories,uo:projects,u:goldprofileborder", per: "read,create,update,delete,revoke", fpm: "7,21",
			want: []string{
				"org:repositories:read", "org:repositories:create", "org:repositories:update",
				"org:projects:read", "org:projects:update", "org:projects:revoke",
			},
		},
		{
			name: "a feature without a mask gets no permission",
			fea:  "o:repositories,o:projects,o:webhooks,o:impersonation", per: "read,manage", fpm: "1,2,3",
			want: []string{"org:repositories:read", "org:projects:manage", "org:webhooks:read", "org:webhooks:manage"},
		},
		{
			name: "every feature with both bits",
			fea:  "o:billing,o:email,o:fraud,o:instance,o:staging_plans", per: "manage,read", fpm: "3,3,3,3,1",
			want: []string{
				"org:billing:manage", "org:billing:read", "org:email:manage", "org:email:read",
				"org:fraud:manage", "org:fraud:read", "org:instance:manage", "org:instance:read",
				"org:staging_plans:manage",
			},
		},
		{
			name: "only user features give no org permissions",
			fea:  "u:impersonation,u:memberships,u:feature3", per: "read,manage", fpm: "3",
			want: []string{},
		},
		{
			name: "invalid entries grant nothing",
			fea:  "o:a,o:b", per: "p0,p1,p2", fpm: "-1,1.5,1invalid",
			want: []string{},
		},
		{
			name: "an invalid entry keeps its position",
			fea:  "o:a,o:b,o:c", per: "p0,p1", fpm: "-1,3",
			want: []string{"org:b:p0", "org:b:p1"},
		},
		{
			name: "invalid entries keep their positions",
			fea:  "o:a,o:b,o:c", per: "p0,p1", fpm: "1.5,1invalid,2",
			want: []string{"org:c:p1"},
		},
		{
			name: "signs, empty entries and non-ASCII digits are invalid",
			fea:  "o:a,o:b,o:c,o:d", per: "r", fpm: "+1,,١,1",
			want: []string{"org:d:r"},
		},
		{
			name: "bits beyond the permission list are ignored",
			fea:  "o:a", per: "p0,p1", fpm: "7",
			want: []string{"org:a:p0", "org:a:p1"},
		},
		{
			name: "a mask above 2^53 keeps its low bits",
			fea:  "o:a", per: "p0,p1,p2", fpm: "9007199254740993", // 2^53+1
			want: []string{"org:a:p0"},
		},
		{
			name: "a mask above 2^53 keeps its high bits",
			fea:  "o:a,o:b", per: permNames(72), fpm: "36028797018963969,9007199254740993", // 2^55+1, 2^53+1
			want: []string{"org:a:p0", "org:a:p55", "org:b:p0", "org:b:p53"},
		},
		{
			name: "a mask above 2^64 is decoded exactly",
			fea:  "o:a", per: permNames(72), fpm: "1180591620717411303426", // 2^70+2
			want: []string{"org:a:p1", "org:a:p70"},
		},
		{
			name: "a mask above 2^64 loses only bits beyond the permissions",
			fea:  "o:a", per: permNames(72), fpm: "4722366482869645213696", // 2^72
			want: []string{},
		},
		{
			name: "the 19-digit boundary is exact",
			fea:  "o:a", per: permNames(64), fpm: "9223372036854775809", // 2^63+1
			want: []string{"org:a:p0", "org:a:p63"},
		},
		{
			name: "leading zeros are fine",
			fea:  "o:a", per: "r", fpm: "0001",
			want: []string{"org:a:r"},
		},
		{
			name: "elements are trimmed like JavaScript's trim",
			fea:  " o:a , u:b ,\ufeffo:c", per: " r , w ", fpm: " 3 ,\t1\n, 2\u00a0",
			want: []string{"org:a:r", "org:a:w", "org:c:r"},
		},
		{
			name: "U+0085 is not trimmed, as in JavaScript",
			fea:  "o:a", per: "r", fpm: "1\u0085",
			want: []string{},
		},
		{
			name: "a feature value keeps its later colons",
			fea:  "o:a:b", per: "r", fpm: "1",
			want: []string{"org:a:b:r"},
		},
		{
			name: "empty permission names are kept",
			fea:  "o:a", per: "r,,w", fpm: "7",
			want: []string{"org:a:r", "org:a:", "org:a:w"},
		},
		{
			name: "empty per gives no permissions",
			fea:  "o:a", per: "", fpm: "1",
			want: []string{},
		},
		{
			name: "empty fpm gives no permissions",
			fea:  "o:a", per: "r", fpm: "",
			want: []string{},
		},
		{
			name: "empty fea gives no permissions",
			fea:  "", per: "r", fpm: "1",
			want: []string{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := orgPermissions(tt.fea, tt.per, tt.fpm)
			if err != nil {
				t.Fatalf("orgPermissions(%q, %q, %q) error: %v", tt.fea, tt.per, tt.fpm, err)
			}
			if got == nil {
				t.Errorf("orgPermissions(%q, %q, %q) = nil, want a non-nil list", tt.fea, tt.per, tt.fpm)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("orgPermissions(%q, %q, %q) =\n %q\nwant\n %q", tt.fea, tt.per, tt.fpm, got, tt.want)
			}
		})
	}
}

func TestOrgPermissionsMalformedFea(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		fea, per, fpm string
		wantMsg       string
	}{
		{"entry without colon", "o:a,b", "r", "1", "Invalid claim element (missing colon): b"},
		{"first entry names the error", "reservations,dashboard", "r", "1", "Invalid claim element (missing colon): reservations"},
		{"trailing comma", "o:a,", "r", "1", "Invalid claim element (missing colon): "},
		{"whitespace only", "  ", "r", "1", "Invalid claim element (missing colon): "},
		{"entry is trimmed in the message", "o:a, bad ", "r", "1", "Invalid claim element (missing colon): bad"},
		{"checked even without per and fpm", "bad", "", "", "Invalid claim element (missing colon): bad"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := orgPermissions(tt.fea, tt.per, tt.fpm)
			if err == nil {
				t.Fatalf("orgPermissions(%q, ...) = %q, want an error", tt.fea, got)
			}
			if err.Error() != tt.wantMsg {
				t.Errorf("error = %q, want %q", err.Error(), tt.wantMsg)
			}
			var ce *claimElementError
			if !errors.As(err, &ce) {
				t.Errorf("error is %T, want *claimElementError", err)
			}
		})
	}
}

func TestOrgFeatures(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		fea  string
		want []string
	}{
		{"empty claim", "", nil},
		{"only org features", "o:impersonation,o:payments", []string{"impersonation", "payments"}},
		{"only user features", "u:impersonation,u:payments", nil},
		{"both scopes", "o:payments,u:impersonation", []string{"payments"}},
		{"multi-scope features", "o:reservations,u:dashboard,ou:support-chat,uo:billing", []string{"reservations", "support-chat", "billing"}},
		{"unknown scopes are ignored", "x:a,org:b,o:c", []string{"c"}},
		{"empty feature name", "o:", []string{""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := orgFeatures(tt.fea)
			if err != nil {
				t.Fatalf("orgFeatures(%q) error: %v", tt.fea, err)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("orgFeatures(%q) = %q, want %q", tt.fea, got, tt.want)
			}
		})
	}
}

func TestParseBitmask(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		bits []int // the set bits below 80
	}{
		{"0", nil},
		{"1", []int{0}},
		{"2", []int{1}},
		{"21", []int{0, 2, 4}},
		{"18446744073709551615", seq(0, 64)}, // 2^64-1, 20 digits
		{"18446744073709551616", []int{64}},  // 2^64
		{"9999999999999999999", bitsOf(9999999999999999999)}, // largest 19-digit value
		{"", nil},
		{"-1", nil},
		{"1.5", nil},
		{"1invalid", nil},
		{"0x10", nil},
		{"1_000", nil},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			m := parseBitmask(tt.in)
			var got []int
			for j := range 80 {
				if m.bit(j) {
					got = append(got, j)
				}
			}
			if !slices.Equal(got, tt.bits) {
				t.Errorf("parseBitmask(%q) bits = %v, want %v", tt.in, got, tt.bits)
			}
		})
	}
}

func seq(from, to int) []int {
	var s []int
	for i := from; i < to; i++ {
		s = append(s, i)
	}
	return s
}

func bitsOf(v uint64) []int {
	var s []int
	for j := range 64 {
		if v>>j&1 == 1 {
			s = append(s, j)
		}
	}
	return s
}

// Spec §3 mapping of organization claims to Auth properties.
func TestSessionOrg(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		payload string
		want    orgFields
		wantNil bool // permissions nil (no organization) rather than empty
	}{
		{
			name:    "v1 claims are used as they are",
			payload: `{"sub":"u","org_id":"org_1","org_role":"org:admin","org_slug":"acme","org_permissions":["org:f1:read","org:f2:manage"]}`,
			want:    orgFields{id: "org_1", role: "org:admin", slug: "acme", permissions: []string{"org:f1:read", "org:f2:manage"}},
		},
		{
			name:    "very old v1 role without prefix is kept",
			payload: `{"sub":"u","org_id":"org_1","org_role":"admin"}`,
			want:    orgFields{id: "org_1", role: "admin"},
			wantNil: true,
		},
		{
			name:    "v1 without organization",
			payload: `{"sub":"u"}`,
			wantNil: true,
		},
		{
			name:    "v1 ignores the v2 organization object",
			payload: `{"sub":"u","o":{"id":"org_1","rol":"admin"},"fea":"o:a"}`,
			wantNil: true,
		},
		{
			name:    "v2 maps the o object and prefixes the role",
			payload: `{"v":2,"sub":"u","fea":"o:impersonation","o":{"id":"org_xxxxxxx","rol":"admin","slg":"org_test","per":"read,manage","fpm":"3"}}`,
			want: orgFields{
				id: "org_xxxxxxx", role: "org:admin", slug: "org_test",
				permissions: []string{"org:impersonation:read", "org:impersonation:manage"},
			},
		},
		{
			name:    "v2 role is prefixed without de-duplication",
			payload: `{"v":2,"sub":"u","o":{"id":"org_1","rol":"org:admin"}}`,
			want:    orgFields{id: "org_1", role: "org:org:admin", permissions: []string{}},
		},
		{
			name:    "v2 empty role stays empty",
			payload: `{"v":2,"sub":"u","o":{"id":"org_1","rol":""}}`,
			want:    orgFields{id: "org_1", permissions: []string{}},
		},
		{
			name:    "v2 without o has no organization, like v1",
			payload: `{"v":2,"sub":"u","fea":"u:impersonation,u:memberships"}`,
			wantNil: true,
		},
		{
			name:    "v2 without o ignores a malformed fea",
			payload: `{"v":2,"sub":"u","fea":"bad"}`,
			wantNil: true,
		},
		{
			name:    "v2 without o ignores v1 organization claims",
			payload: `{"v":2,"sub":"u","org_id":"org_1","org_role":"org:admin"}`,
			wantNil: true,
		},
		{
			name:    "v2 with an empty o object has empty permissions",
			payload: `{"v":2,"sub":"u","o":{}}`,
			want:    orgFields{permissions: []string{}},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := decodeSessionClaims([]byte(tt.payload))
			if err != nil {
				t.Fatal(err)
			}
			got, err := sessionOrg(c)
			if err != nil {
				t.Fatalf("sessionOrg error: %v", err)
			}
			if got.id != tt.want.id || got.role != tt.want.role || got.slug != tt.want.slug ||
				!slices.Equal(got.permissions, tt.want.permissions) {
				t.Errorf("sessionOrg = %+v, want %+v", got, tt.want)
			}
			if (got.permissions == nil) != tt.wantNil {
				t.Errorf("permissions nil = %v, want %v", got.permissions == nil, tt.wantNil)
			}
		})
	}
}

func TestSessionOrgMalformedFeaWithOrganization(t *testing.T) {
	t.Parallel()
	c, err := decodeSessionClaims([]byte(`{"v":2,"sub":"u","fea":"o:a,oops","o":{"id":"org_1"}}`))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := sessionOrg(c); err == nil || err.Error() != "Invalid claim element (missing colon): oops" {
		t.Errorf("sessionOrg error = %v, want Clerk's missing-colon error", err)
	}
}

func TestJSTrim(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"  a  ", "a"},
		{"\t\n\v\f\r a", "a"},
		{"\u00a0\u1680\u2000\u200a\u2028\u2029\u202f\u205f\u3000\ufeffa\ufeff", "a"},
		{"a\v", "a"},
		{"a\u00a0", "a"},
		{"\u00a0a", "a"},
		{"a b", "a b"},
		{"\u0085a\u0085", "\u0085a\u0085"},
		{"\u200ba", "\u200ba"}, // zero width space is not white space
		{"", ""},
	}
	for _, tt := range tests {
		if got := jsTrim(tt.in); got != tt.want {
			t.Errorf("jsTrim(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
