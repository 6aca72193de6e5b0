package clerkdev

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Machine token kinds, the token type names of Clerk's SDK.
const (
	KindAPIKey     = "api_key"
	KindM2MToken   = "m2m_token"
	KindOAuthToken = "oauth_token"
)

// defaultMachineLifetime is the lifetime of M2M and OAuth tokens without
// [WithLifetime]. API keys never expire by default.
const defaultMachineLifetime = time.Hour

// MachineToken is an opaque machine token created by the instance: an API
// key ("ak_..."), an M2M token ("mt_...") or an OAuth access token
// ("oat_..."). Present Token in an Authorization header; the application
// verifies it through the instance's verify endpoints.
type MachineToken struct {
	// Kind is KindAPIKey, KindM2MToken or KindOAuthToken.
	Kind string
	// ID is the token's object ID ("ak_<32 hex>", "mt_<32 hex>",
	// "oat_<32 hex>"), distinct from the secret Token.
	ID string
	// Token is the secret a client presents.
	Token string
	// Subject is the user, organization or machine the token acts for.
	Subject string
	// Name is an API key's name.
	Name string
	// ClientID is the OAuth application of an OAuth token.
	ClientID string
	Scopes   []string
	// Expiration is when the token expires; zero for never.
	Expiration time.Time
}

// machineToken is the instance's record of a MachineToken.
type machineToken struct {
	MachineToken
	claims           map[string]any
	revoked          bool
	revocationReason string
	createdAt        time.Time
	updatedAt        time.Time
	lastUsedAt       time.Time
}

func (m *machineToken) expired(now time.Time) bool {
	return !m.Expiration.IsZero() && !now.Before(m.Expiration)
}

// CreateAPIKey creates an API key for subject (a user "user_...", an
// organization "org_..." or a machine "mch_...") and returns it. Options:
// [WithLifetime] (default: never expires) and [WithClaim] (the key's
// claims).
func (i *Instance) CreateAPIKey(subject, name string, scopes []string, opts ...Option) (MachineToken, error) {
	if subject == "" {
		return MachineToken{}, errors.New("clerkdev: CreateAPIKey: empty subject")
	}
	return i.createMachine(MachineToken{Kind: KindAPIKey, Subject: subject, Name: name, Scopes: scopes}, 0, opts)
}

// CreateM2MToken creates an opaque machine-to-machine token for the machine
// machineID ("mch_...") and returns it. In Clerk the scopes of an M2M token
// are the IDs of the machines it may call. Options: [WithLifetime] (default
// one hour) and [WithClaim].
func (i *Instance) CreateM2MToken(machineID string, scopes []string, opts ...Option) (MachineToken, error) {
	if machineID == "" {
		return MachineToken{}, errors.New("clerkdev: CreateM2MToken: empty machine ID")
	}
	return i.createMachine(MachineToken{Kind: KindM2MToken, Subject: machineID, Scopes: scopes}, defaultMachineLifetime, opts)
}

// CreateOAuthToken creates an opaque OAuth access token that the OAuth
// application clientID obtained for the user userID, and returns it.
// Options: [WithLifetime] (default one hour).
func (i *Instance) CreateOAuthToken(userID, clientID string, scopes []string, opts ...Option) (MachineToken, error) {
	if userID == "" || clientID == "" {
		return MachineToken{}, errors.New("clerkdev: CreateOAuthToken: empty user or client ID")
	}
	return i.createMachine(MachineToken{Kind: KindOAuthToken, Subject: userID, ClientID: clientID, Scopes: scopes}, defaultMachineLifetime, opts)
}

func (i *Instance) createMachine(t MachineToken, lifetime time.Duration, opts []Option) (MachineToken, error) {
	o := collect(opts)
	if o.lifetimeSet {
		lifetime = o.lifetime
	}
	now := i.now()
	prefix := map[string]string{KindAPIKey: "ak_", KindM2MToken: "mt_", KindOAuthToken: "oat_"}[t.Kind]
	t.ID = prefix + randomHex(16)
	t.Token = clerktest.NewID(prefix) + clerktest.NewID("")[:13]
	t.Scopes = slices.Clone(t.Scopes)
	if t.Scopes == nil {
		t.Scopes = []string{}
	}
	if lifetime != 0 {
		t.Expiration = now.Add(lifetime)
	}
	rec := &machineToken{MachineToken: t, claims: maps.Clone(o.claims), createdAt: now, updatedAt: now}
	i.mu.Lock()
	i.state.machine[t.Token] = rec
	i.state.machineID[t.ID] = rec
	i.mu.Unlock()
	t.Scopes = slices.Clone(t.Scopes)
	return t, nil
}

// RevokeToken revokes the opaque machine token tokenOrID (its secret or its
// ID) with an optional reason.
//
// The verify endpoints then answer it with 404 and Clerk's error JSON, as
// they do for an unknown token, unless Config.ReportRevokedMachineTokens is
// set. Expired tokens ([Instance.ExpireToken]) are answered the same way.
// Evidence for this choice: Clerk documents that apiKeys.verify() "will
// throw an error" when "the API key is invalid, revoked, or expired"
// (clerk.com/docs/reference/backend/api-keys/verify) and that a revoked key
// "is immediately invalidated"; its SDK throws only for non-2xx answers, and
// its verifyAPIKey / verifyM2MToken / verifyOAuthToken
// (packages/backend/src/tokens/verify.ts) return any 2xx body as a verified
// token without looking at "revoked" or "expired", mapping 404 to
// token-invalid ("API key not found"). Clerk's own middleware is therefore
// only correct if the Backend API refuses revoked and expired tokens. The
// OpenAPI description of POST /api_keys/verify (clerk/openapi-specs,
// bapi/2026-05-12.yml) lists only 200, 400 and 404, and its 200 schema does
// carry "revoked" and "expired" (the same schema as the create and revoke
// answers); some third-party integrations read that as "a revoked key is
// answered 200 with revoked: true" and check the flags defensively. Set
// Config.ReportRevokedMachineTokens to test that defence.
func (i *Instance) RevokeToken(tokenOrID, reason string) error {
	return i.updateMachine(tokenOrID, func(m *machineToken, now time.Time) {
		m.revoked = true
		m.revocationReason = reason
		m.updatedAt = now
	})
}

// ExpireToken makes the opaque machine token tokenOrID (its secret or its
// ID) expire now. See [Instance.RevokeToken] for how the verify endpoints
// answer it.
func (i *Instance) ExpireToken(tokenOrID string) error {
	return i.updateMachine(tokenOrID, func(m *machineToken, now time.Time) {
		m.Expiration = now
		m.updatedAt = now
	})
}

func (i *Instance) updateMachine(tokenOrID string, f func(*machineToken, time.Time)) error {
	now := i.now()
	i.mu.Lock()
	defer i.mu.Unlock()
	m := i.state.machine[tokenOrID]
	if m == nil {
		m = i.state.machineID[tokenOrID]
	}
	if m == nil {
		return errors.New("clerkdev: unknown machine token")
	}
	f(m, now)
	return nil
}

// MintM2MJWT returns a JWT-format M2M token for the machine machineID
// ("mch_..."), signed with the instance key and the M2M category: applications
// verify it without calling the instance. Options:
// [WithLifetime] (default one hour) and [WithClaim].
func (i *Instance) MintM2MJWT(machineID string, scopes []string, opts ...Option) (string, error) {
	o := collect(opts)
	claims := clerktest.M2MClaims(machineID, i.now(), i.machineClaimOptions(o, scopes)...)
	tok, err := i.key.Sign(claims, clerktest.WithCategory(clerktest.CategoryM2M))
	if err != nil {
		return "", fmt.Errorf("clerkdev: signing an M2M JWT: %w", err)
	}
	return tok, nil
}

// MintOAuthJWT returns a JWT-format OAuth access token (typ "at+jwt", RFC
// 9068) that the OAuth application clientID obtained for the user userID,
// signed with the instance key. Options: [WithLifetime] (default one hour)
// and [WithClaim].
func (i *Instance) MintOAuthJWT(userID, clientID string, scopes []string, opts ...Option) (string, error) {
	o := collect(opts)
	claims := clerktest.OAuthClaims(userID, clientID, i.now(), i.machineClaimOptions(o, scopes)...)
	tok, err := i.key.Sign(claims, clerktest.WithTyp(clerktest.TypOAuthAccessToken))
	if err != nil {
		return "", fmt.Errorf("clerkdev: signing an OAuth JWT: %w", err)
	}
	return tok, nil
}

func (i *Instance) machineClaimOptions(o options, scopes []string) []clerktest.ClaimOption {
	lifetime := defaultMachineLifetime
	if o.lifetimeSet {
		lifetime = o.lifetime
	}
	opts := []clerktest.ClaimOption{clerktest.WithIssuer(i.url), clerktest.WithExp(lifetime), clerktest.WithScopes(scopes...)}
	for k, v := range o.claims {
		opts = append(opts, clerktest.WithClaim(k, v))
	}
	return opts
}

// The JSON objects of the verify endpoints (spec §11), fields in Clerk's
// order. Times are unix milliseconds.
type apiKeyJSON struct {
	Object           string         `json:"object"`
	ID               string         `json:"id"`
	Type             string         `json:"type"`
	Name             string         `json:"name"`
	Subject          string         `json:"subject"`
	Scopes           []string       `json:"scopes"`
	Claims           map[string]any `json:"claims"`
	Revoked          bool           `json:"revoked"`
	RevocationReason *string        `json:"revocation_reason"`
	Expired          bool           `json:"expired"`
	Expiration       *int64         `json:"expiration"`
	CreatedBy        *string        `json:"created_by"`
	Description      *string        `json:"description"`
	LastUsedAt       *int64         `json:"last_used_at"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
}

type m2mTokenJSON struct {
	Object           string         `json:"object"`
	ID               string         `json:"id"`
	Subject          string         `json:"subject"`
	Scopes           []string       `json:"scopes"`
	Claims           map[string]any `json:"claims"`
	Revoked          bool           `json:"revoked"`
	RevocationReason *string        `json:"revocation_reason"`
	Expired          bool           `json:"expired"`
	Expiration       *int64         `json:"expiration"`
	CreatedAt        int64          `json:"created_at"`
	UpdatedAt        int64          `json:"updated_at"`
}

type oauthTokenJSON struct {
	Object           string   `json:"object"`
	ID               string   `json:"id"`
	ClientID         string   `json:"client_id"`
	Type             string   `json:"type"`
	Subject          string   `json:"subject"`
	Scopes           []string `json:"scopes"`
	Revoked          bool     `json:"revoked"`
	RevocationReason *string  `json:"revocation_reason"`
	Expired          bool     `json:"expired"`
	Expiration       *int64   `json:"expiration"`
	CreatedAt        int64    `json:"created_at"`
	UpdatedAt        int64    `json:"updated_at"`
}

// machineJSON renders the record as its verify endpoint does.
func machineJSON(m *machineToken, now time.Time) any {
	var reason *string
	if m.revoked && m.revocationReason != "" {
		r := m.revocationReason
		reason = &r
	}
	var expiration *int64
	if !m.Expiration.IsZero() {
		e := m.Expiration.UnixMilli()
		expiration = &e
	}
	scopes := slices.Clone(m.Scopes)
	switch m.Kind {
	case KindAPIKey:
		var lastUsed *int64
		if !m.lastUsedAt.IsZero() {
			l := m.lastUsedAt.UnixMilli()
			lastUsed = &l
		}
		return apiKeyJSON{Object: "api_key", ID: m.ID, Type: "api_key", Name: m.Name, Subject: m.Subject,
			Scopes: scopes, Claims: maps.Clone(m.claims), Revoked: m.revoked, RevocationReason: reason,
			Expired: m.expired(now), Expiration: expiration, LastUsedAt: lastUsed,
			CreatedAt: m.createdAt.UnixMilli(), UpdatedAt: m.updatedAt.UnixMilli()}
	case KindM2MToken:
		return m2mTokenJSON{Object: "machine_to_machine_token", ID: m.ID, Subject: m.Subject, Scopes: scopes,
			Claims: maps.Clone(m.claims), Revoked: m.revoked, RevocationReason: reason, Expired: m.expired(now),
			Expiration: expiration, CreatedAt: m.createdAt.UnixMilli(), UpdatedAt: m.updatedAt.UnixMilli()}
	default:
		return oauthTokenJSON{Object: "clerk_idp_oauth_access_token", ID: m.ID, ClientID: m.ClientID,
			Type: "oauth:access_token", Subject: m.Subject, Scopes: scopes, Revoked: m.revoked,
			RevocationReason: reason, Expired: m.expired(now), Expiration: expiration,
			CreatedAt: m.createdAt.UnixMilli(), UpdatedAt: m.updatedAt.UnixMilli()}
	}
}

// verifyEndpoint describes one of the three verify endpoints (spec §6.3).
type verifyEndpoint struct {
	kind     string
	field    string // the body field holding the token
	noun     string // for error messages
	machines bool   // the machine secret key is accepted too
}

// serveVerify answers POST /api_keys/verify, /m2m_tokens/verify and
// /oauth_applications/access_tokens/verify.
func (i *Instance) serveVerify(e verifyEndpoint) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !i.authorized(r, e.machines) {
			writeKeyInvalid(w)
			return
		}
		var body map[string]any
		if !readJSON(w, r, &body) {
			return
		}
		tok, _ := body[e.field].(string)
		if tok == "" {
			writeError(w, http.StatusUnprocessableEntity, "form_param_missing", e.field+" must be included.",
				"The "+e.field+" parameter is missing from the request body.")
			return
		}
		now := i.now()
		i.mu.Lock()
		m := i.state.machine[tok]
		if m != nil && m.Kind != e.kind {
			m = nil
		}
		invalid := m != nil && (m.revoked || m.expired(now))
		var out any
		if m != nil && (!invalid || i.cfg.ReportRevokedMachineTokens) {
			if !invalid {
				m.lastUsedAt = now
			}
			out = machineJSON(m, now)
		}
		i.mu.Unlock()
		if out == nil {
			writeError(w, http.StatusNotFound, "resource_not_found", e.noun+" not found",
				"No valid "+e.noun+" matches the given token: it does not exist, was revoked or has expired.")
			return
		}
		writeJSON(w, http.StatusOK, out)
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand)
	return hex.EncodeToString(b)
}
