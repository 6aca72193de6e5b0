package clerk

import (
	"errors"
	"strings"
	"testing"
)

func orgID(id string) OrganizationSyncTarget {
	return OrganizationSyncTarget{Type: OrgTargetOrganization, OrganizationID: id}
}

func orgSlug(slug string) OrganizationSyncTarget {
	return OrganizationSyncTarget{Type: OrgTargetOrganization, OrganizationSlug: slug}
}

var (
	personalTarget = OrganizationSyncTarget{Type: OrgTargetPersonalAccount}
	noTarget       = OrganizationSyncTarget{}
)

// Spec §8, example table: every row, in order.
func TestOrganizationSyncSpecTable(t *testing.T) {
	t.Parallel()
	withID := []string{"/orgs/:id", "/orgs/:id/", "/orgs/:id/(.*)"}
	bySlugOrID := &OrganizationSync{
		OrganizationPatterns:    []string{"/orgs-by-id/:id", "/orgs-by-id/:id/(.*)", "/orgs-by-slug/:slug", "/orgs-by-slug/:slug/(.*)"},
		PersonalAccountPatterns: []string{"/personal-account", "/personal-account/(.*)"},
	}
	tests := []struct {
		row  int
		sync *OrganizationSync
		path string
		want OrganizationSyncTarget
	}{
		{1, nil, "/orgs/org_foo", noTarget},
		{2, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:id"}}, "/orgs/org_foo", orgID("org_foo")},
		{3, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:id"}}, "/personal-account/my-resource", noTarget},
		{4, &OrganizationSync{OrganizationPatterns: withID}, "/orgs/org_foo/", orgID("org_foo")},
		{5, &OrganizationSync{OrganizationPatterns: withID}, "/orgs/org_foo/nested-resource", orgID("org_foo")},
		{6, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:id/(.*)"}}, "/orgs/org_foo/nested-resource/and/more/deeply/nested/resources", orgID("org_foo")},
		{7, &OrganizationSync{OrganizationPatterns: []string{"/unknown-thing/:any/orgs/:id"}}, "/unknown-thing/thing/orgs/org_foo", orgID("org_foo")},
		{8, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/orgs/my-org", orgSlug("my-org")},
		{9, &OrganizationSync{PersonalAccountPatterns: []string{"/personal-account"}}, "/personal-account", personalTarget},
		{10, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:id", "/orgs/:slug"}}, "/orgs/my-org", orgID("my-org")},
		{11, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}, PersonalAccountPatterns: []string{"/", "/(.*)"}}, "/orgs/my-org", orgSlug("my-org")},
		{12, &OrganizationSync{PersonalAccountPatterns: []string{"/user/:any", "/user/:any/(.*)"}}, "/user/123/home", personalTarget},
		{13, bySlugOrID, "/orgs-by-slug/org_bar/sub-resource", orgSlug("org_bar")},
		{14, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:id"}, PersonalAccountPatterns: []string{"/orgs/:id"}}, "/orgs/123", orgID("123")},
		{15, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:id", "/teams/:id"}}, "/teams/123", orgID("123")},
		// row 16: see TestOrganizationSyncErrors
		{17, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/orgs", noTarget},
		{17, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/orgs/acmecorp/settings", noTarget},
		{18, &OrganizationSync{OrganizationPatterns: []string{"/app/:any/orgs/:id"}}, "/app/dogstore/v2/orgs/org_123", noTarget},
		{19, &OrganizationSync{PersonalAccountPatterns: []string{"/personal-account/(.*)"}}, "/personal-account", noTarget},
		{19, &OrganizationSync{PersonalAccountPatterns: []string{"/personal-account/(.*)"}}, "/personal-account/", personalTarget},
		{20, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/ORGS/AcmeCorp", orgSlug("AcmeCorp")},
		{21, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/orgs/a%20b", orgSlug("a%20b")},
		{22, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:other"}}, "/orgs/abc", noTarget},
		{23, &OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug/(.*)"}, PersonalAccountPatterns: []string{"/", "/(.*)"}}, "/orgs/acme", personalTarget},
	}
	for _, tt := range tests {
		m, err := tt.sync.Compile()
		if err != nil {
			t.Errorf("row %d: %v", tt.row, err)
			continue
		}
		got, err := m.Target(tt.path)
		if err != nil || got != tt.want {
			t.Errorf("row %d: %q = %+v, %v; want %+v", tt.row, tt.path, got, err, tt.want)
		}
		// the convenience form agrees
		if got2, err := tt.sync.Target(tt.path); err != nil || got2 != got {
			t.Errorf("row %d: Target = %+v, %v", tt.row, got2, err)
		}
	}
}

func TestOrganizationSyncErrors(t *testing.T) {
	t.Parallel()
	// spec §8 row 16
	_, err := (&OrganizationSync{OrganizationPatterns: []string{"/orgs/:id/***"}}).Compile()
	want := `Invalid pattern "/orgs/:id/***": Error: Invalid path and options: Consult the documentation of path-to-regexp here: https://github.com/pillarjs/path-to-regexp/tree/6.x` +
		"\nUnexpected MODIFIER at 10, expected END"
	var pe *PatternError
	if !errors.As(err, &pe) || err.Error() != want || pe.Field != "OrganizationPatterns" {
		t.Errorf("got %v\nwant %s", err, want)
	}
	// the whole list is named, joined by ","
	_, err = (&OrganizationSync{PersonalAccountPatterns: []string{"/me", "/me/(", "/x"}}).Compile()
	if !errors.As(err, &pe) || pe.Pattern != "/me,/me/(,/x" || pe.Field != "PersonalAccountPatterns" || pe.Reason != "Unbalanced pattern at 4" {
		t.Errorf("got %#v", err)
	}
	if _, err := (&OrganizationSync{OrganizationPatterns: []string{"/x"}}).Target("/"); err != nil {
		t.Error(err)
	}
	if _, err := (&OrganizationSync{OrganizationPatterns: []string{"/x("}}).Target("/"); err == nil {
		t.Error("Target: want the compile error")
	}
}

func TestOrganizationSyncQuirks(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		sync OrganizationSync
		path string
		want OrganizationSyncTarget
	}{
		// A non-nil empty list matches every path, as [] does in Clerk.
		{"empty personal list", OrganizationSync{PersonalAccountPatterns: []string{}}, "/anything", personalTarget},
		{"empty org list", OrganizationSync{OrganizationPatterns: []string{}}, "/orgs/x", noTarget},
		{"nil lists", OrganizationSync{}, "/orgs/x", noTarget},
		// The raw path: nothing is decoded or normalised.
		{"encoded slash", OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/orgs/a%2Fb", orgSlug("a%2Fb")},
		{"double slash", OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "//orgs/acme", noTarget},
		{"encoded letter", OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/%6Frgs/acme", noTarget},
		// Repeated parameters are arrays in JavaScript: joined by ",".
		{"repeated id", OrganizationSync{OrganizationPatterns: []string{"/orgs/:id+"}}, "/orgs/a/b", orgID("a,b")},
		// An empty id is falsy: the slug is used.
		{"empty id", OrganizationSync{OrganizationPatterns: []string{"/o/:id(.*)/:slug"}}, "/o//acme", orgSlug("acme")},
		// ":id" wins over ":slug" in the same pattern.
		{"id and slug", OrganizationSync{OrganizationPatterns: []string{"/o/:slug/:id"}}, "/o/acme/org_1", orgID("org_1")},
		// Characters above U+FFFF survive as values.
		{"astral", OrganizationSync{OrganizationPatterns: []string{"/orgs/:slug"}}, "/orgs/😀", orgSlug("😀")},
	}
	for _, tt := range tests {
		got, err := tt.sync.Target(tt.path)
		if err != nil || got != tt.want {
			t.Errorf("%s: %q = %+v, %v; want %+v", tt.name, tt.path, got, err, tt.want)
		}
	}
}

// A capturing group without a parameter (a named group in a custom
// pattern) makes Clerk's match function throw; that side counts as not
// matching and the failure is reported for logging.
func TestOrganizationSyncMatchFailure(t *testing.T) {
	t.Parallel()
	s := &OrganizationSync{
		OrganizationPatterns:    []string{"/orgs/:x((?<n>a))/:id"},
		PersonalAccountPatterns: []string{"/(.*)"},
	}
	got, err := s.Target("/orgs/a/org_1")
	if got != personalTarget || err == nil || !strings.Contains(err.Error(), "failed to match organization pattern") {
		t.Errorf("got %+v, %v", got, err)
	}
	var nilMatcher *OrganizationSyncMatcher
	if got, err := nilMatcher.Target("/orgs/x"); got != noTarget || err != nil {
		t.Errorf("nil matcher: %+v, %v", got, err)
	}
	if OrgTargetPersonalAccount.String() != "personalAccount" || OrgTargetNone.String() != "none" || OrgTargetOrganization.String() != "organization" {
		t.Error("String")
	}
}
