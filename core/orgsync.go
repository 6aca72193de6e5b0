package clerk

import (
	"errors"
	"fmt"
	"strings"
)

// OrganizationSync says which URLs name the organization (or the personal
// account) that should be active: Clerk's organizationSyncOptions.
// When a signed-in browser request's URL names another organization than the
// session's active one, the middleware asks Clerk (through a handshake) to
// activate it.
//
// Patterns are path-to-regexp 6.x strings, as for [NewRouteMatcher]. An
// organization pattern names the organization with an ":id" or a ":slug"
// parameter:
//
//	clerk.OrganizationSync{
//		OrganizationPatterns:    []string{"/orgs/:slug", "/orgs/:slug/(.*)"},
//		PersonalAccountPatterns: []string{"/me", "/me/(.*)"},
//	}
//
// Unlike route matchers, organization patterns see the raw path: it is not
// percent-decoded or normalised, and parameter values are not decoded. Paths
// are matched case-insensitively; values keep their case.
//
// As in Clerk, a nil list disables its side, while a non-nil empty list
// matches every path (for PersonalAccountPatterns that means "personal
// account everywhere no organization pattern applies").
type OrganizationSync struct {
	// OrganizationPatterns name the organization with ":id" (an
	// organization ID, org_...) or ":slug". Clerk: organizationPatterns.
	OrganizationPatterns []string
	// PersonalAccountPatterns are the paths where the personal account
	// should be active. Clerk: personalAccountPatterns.
	PersonalAccountPatterns []string
}

// OrgTargetType is the kind of an [OrganizationSyncTarget].
type OrgTargetType int

// Organization sync target types.
const (
	// OrgTargetNone: no pattern applies; leave the session as it is.
	OrgTargetNone OrgTargetType = iota
	// OrgTargetOrganization: the path names an organization, by ID or slug.
	OrgTargetOrganization
	// OrgTargetPersonalAccount: the personal account should be active.
	OrgTargetPersonalAccount
)

// String returns "none", "organization" or "personalAccount" (Clerk's type
// names).
func (t OrgTargetType) String() string {
	switch t {
	case OrgTargetOrganization:
		return "organization"
	case OrgTargetPersonalAccount:
		return "personalAccount"
	}
	return "none"
}

// OrganizationSyncTarget is what a URL path asks to activate.
type OrganizationSyncTarget struct {
	Type OrgTargetType
	// OrganizationID is the ":id" parameter, when the matching organization
	// pattern has one (it takes precedence over ":slug").
	OrganizationID string
	// OrganizationSlug is the ":slug" parameter, when there is no ID.
	OrganizationSlug string
}

// OrganizationSyncMatcher is the compiled form of an [OrganizationSync]; build
// it once with [OrganizationSync.Compile]. It is safe for concurrent use; a
// nil matcher has no target for any path.
type OrganizationSyncMatcher struct {
	org, personal *pathRegexp
}

// Compile compiles the patterns. Each list is compiled into one expression,
// as Clerk does; an invalid pattern returns a *[PatternError] with Clerk's
// message, `Invalid pattern "<list joined by ,>": ...`. A nil receiver
// returns a nil matcher.
func (o *OrganizationSync) Compile() (*OrganizationSyncMatcher, error) {
	if o == nil {
		return nil, nil
	}
	m := &OrganizationSyncMatcher{}
	var err error
	if m.org, err = compileOrgList(o.OrganizationPatterns, "OrganizationPatterns"); err != nil {
		return nil, err
	}
	if m.personal, err = compileOrgList(o.PersonalAccountPatterns, "PersonalAccountPatterns"); err != nil {
		return nil, err
	}
	return m, nil
}

func compileOrgList(patterns []string, field string) (*pathRegexp, error) {
	if patterns == nil {
		return nil, nil
	}
	re, err := compilePathPatternList(patterns)
	if err != nil {
		return nil, &PatternError{Pattern: strings.Join(patterns, ","), Reason: err.Error(), Field: field}
	}
	return re, nil
}

// Target compiles the patterns and returns the target of one raw URL path.
// It is a convenience for tests and one-off use; compile once with
// [OrganizationSync.Compile] when matching many paths.
func (o *OrganizationSync) Target(rawPath string) (OrganizationSyncTarget, error) {
	m, err := o.Compile()
	if err != nil {
		return OrganizationSyncTarget{}, err
	}
	return m.Target(rawPath)
}

// Target returns what the raw (not decoded) URL path asks to activate:
// the organization patterns are tried first, and a match with an
// "id" parameter targets that organization ID, else one with a "slug"
// parameter targets that slug; a match with neither falls through to the
// personal-account patterns, any match of which targets the personal
// account. Among several organization patterns the first that matches wins.
//
// A non-nil error reports a pattern that failed while matching (a timeout,
// see [ErrMatchTimeout], or a named group inside a custom pattern); the
// failing side counts as not matching, as in Clerk, and the returned target
// is still the one to use. Log the error.
func (m *OrganizationSyncMatcher) Target(rawPath string) (OrganizationSyncTarget, error) {
	if m == nil {
		return OrganizationSyncTarget{}, nil
	}
	units := toUnits(rawPath)
	var errs []error
	if m.org != nil {
		params, ok, err := m.org.exec(units)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("clerk: organization sync: failed to match organization pattern: %w", err))
		case ok:
			if id := params["id"]; id.truthy() {
				return OrganizationSyncTarget{Type: OrgTargetOrganization, OrganizationID: id.value}, nil
			}
			if slug := params["slug"]; slug.truthy() {
				return OrganizationSyncTarget{Type: OrgTargetOrganization, OrganizationSlug: slug.value}, nil
			}
		}
	}
	if m.personal != nil {
		_, ok, err := m.personal.exec(units)
		switch {
		case err != nil:
			errs = append(errs, fmt.Errorf("clerk: organization sync: failed to match personal account pattern: %w", err))
		case ok:
			return OrganizationSyncTarget{Type: OrgTargetPersonalAccount}, errors.Join(errs...)
		}
	}
	return OrganizationSyncTarget{}, errors.Join(errs...)
}
