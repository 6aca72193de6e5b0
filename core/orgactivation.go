package clerk

// organizationActivation is spec §8's activation step after a verified
// cookie session. Wired to OrganizationSync in the next change.
func (c *Client) organizationActivation(ac *authContext, auth *Auth) *RequestState { return nil }

// orgSyncParam is the organization_id handshake parameter, if the URL
// matches an organization sync pattern (spec §1.8.2).
func (c *Client) orgSyncParam(ac *authContext) (string, bool) { return "", false }
