package clerk

import (
	"log/slog"
	"strings"
)

// orgTarget is the organization sync target of the request's raw path,
// computed once per request (spec §8).
func (c *Client) orgTarget(ac *authContext) OrganizationSyncTarget {
	if c.orgSync == nil || ac.clerkURL == nil {
		return OrganizationSyncTarget{}
	}
	if !ac.orgTargetDone {
		// A path routers disagree on (requestPath) activates nothing.
		if p, err := requestPath(ac.clerkURL); err == nil {
			t, err := c.orgSync.Target(urlPathname(p))
			if err != nil {
				c.logRequest(slog.LevelError, "clerk: organization sync pattern failed", "error", err)
			}
			ac.orgTarget = t
		}
		ac.orgTargetDone = true
	}
	return ac.orgTarget
}

// organizationActivation is spec §8's activation step after a verified
// cookie session: when the URL names another organization (or the personal
// account while an organization is active), browser navigations go through
// the handshake with organization_id. Other requests stay signed in.
func (c *Client) organizationActivation(ac *authContext, auth *Auth) *RequestState {
	t := c.orgTarget(ac)
	mismatch := false
	switch t.Type {
	case OrgTargetOrganization:
		if t.OrganizationSlug != "" && t.OrganizationSlug != auth.OrgSlug {
			mismatch = true
		}
		if t.OrganizationID != "" && t.OrganizationID != auth.OrgID {
			mismatch = true
		}
	case OrgTargetPersonalAccount:
		mismatch = auth.OrgID != ""
	}
	if !mismatch {
		return nil
	}
	if ac.redirectCount >= maxRedirectLoop {
		c.logRequest(slog.LevelWarn, "Clerk: Organization activation handshake loop detected. This is likely due to an invalid organization ID or slug. Skipping organization activation.")
		return nil
	}
	s := c.maybeHandshake(ac, ReasonActiveOrganizationMismatch, "", nil)
	if s.Status != StatusHandshake {
		return nil
	}
	return s
}

// orgSyncParam is the organization_id handshake parameter when the URL
// matches an organization sync pattern (spec §1.8.2): the id or slug, or ""
// for the personal account.
func (c *Client) orgSyncParam(ac *authContext) (string, bool) {
	t := c.orgTarget(ac)
	switch t.Type {
	case OrgTargetOrganization:
		if t.OrganizationSlug != "" {
			return t.OrganizationSlug, true
		}
		return t.OrganizationID, true
	case OrgTargetPersonalAccount:
		return "", true
	}
	return "", false
}

// urlPathname is URL.pathname of the escaped path p: the path as sent, with
// the characters the WHATWG URL parser percent-encodes encoded ("/" when
// empty).
func urlPathname(p string) string {
	if p == "" {
		return "/"
	}
	var b strings.Builder
	percentEncode(&b, p, pathEncodeSet)
	return b.String()
}
