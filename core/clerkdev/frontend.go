package clerkdev

import (
	"errors"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// Cookie and query parameter names of Clerk's protocol.
const (
	cookieSession    = "__session"
	cookieClientUAT  = "__client_uat"
	cookieDevBrowser = "__clerk_db_jwt"
	cookieRefresh    = "__refresh"

	queryHandshakeNonce = "__clerk_handshake_nonce"
	queryHandshakeToken = "__clerk_handshake"
)

// Cookie lifetimes of the directives.
const (
	longCookieMaxAge    = 10 * 365 * 24 * 3600 // __client_uat, __clerk_db_jwt: as Clerk, ten years
	refreshCookieMaxAge = 7 * 24 * 3600
)

// dirKind selects the attributes of a cookie directive.
type dirKind int

const (
	dirSession dirKind = iota // browser-session cookie
	dirLong                   // long-lived, readable by scripts
	dirRefresh                // long-lived, HttpOnly
	dirClear                  // deletes the cookie
)

// directive returns a Set-Cookie value for the application's origin. The
// application forwards it verbatim, so it has no Domain (the cookie stays on
// the application's host) and no Secure attribute (loopback is plain HTTP):
//
//	__session=<jwt>; Path=/; SameSite=Lax
//	__client_uat=1700000000; Path=/; Max-Age=315360000; SameSite=Lax
//	__refresh_<suffix>=<token>; Path=/; Max-Age=604800; HttpOnly; SameSite=Lax
//	__session=; Path=/; Max-Age=0; SameSite=Lax
func directive(name, value string, kind dirKind) string {
	switch kind {
	case dirLong:
		return name + "=" + value + "; Path=/; Max-Age=" + strconv.Itoa(longCookieMaxAge) + "; SameSite=Lax"
	case dirRefresh:
		return name + "=" + value + "; Path=/; Max-Age=" + strconv.Itoa(refreshCookieMaxAge) + "; HttpOnly; SameSite=Lax"
	case dirClear:
		return name + "=; Path=/; Max-Age=0; SameSite=Lax"
	}
	return name + "=" + value + "; Path=/; SameSite=Lax"
}

// clientCookieName is the name of the instance's own cookie, which
// identifies the browser (Clerk's "client") on the instance's host.
// Browsers do not separate cookies by port, so the name carries the
// instance's suffix: two instances on 127.0.0.1, and the application's own
// Clerk cookies, never collide with it.
func (i *Instance) clientCookieName() string { return "__clerkdev_client_" + i.suffix }

// setClientCookie (re)sets the instance's cookie for the client c.
func (i *Instance) setClientCookie(w http.ResponseWriter, c *client) {
	http.SetCookie(w, &http.Cookie{
		Name: i.clientCookieName(), Value: c.id, Path: "/",
		MaxAge: longCookieMaxAge, HttpOnly: true, SameSite: http.SameSiteLaxMode,
	})
}

// clientLocked returns the browser's client: the one of the instance's
// cookie, else the one of the dev-browser token the application sent, else
// a new one.
func (i *Instance) clientLocked(r *http.Request, devBrowser string) *client {
	if ck, err := r.Cookie(i.clientCookieName()); err == nil {
		if c := i.state.clients[ck.Value]; c != nil {
			return c
		}
	}
	if id, ok := i.state.devBrowsers[devBrowser]; ok && devBrowser != "" {
		return i.state.clients[id]
	}
	return i.newClientLocked()
}

// serveHandshake answers GET /v1/client/handshake (spec §1.8.2, §11): it
// issues the application's cookies for the browser's client as Set-Cookie
// directives and sends the browser back to redirect_url with a nonce
// (format=nonce, what clerkguard and Clerk's SDK send) or, for any other
// format, with a signed handshake token (__clerk_handshake, the legacy
// form).
//
// organization_id switches the session's active organization first: an
// organization ID or slug the user is a member of activates it, an empty
// value activates the personal account, anything else keeps the current
// one (the application then sees the mismatch, as with Clerk).
func (i *Instance) serveHandshake(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	target, err := validateRedirectURL(q.Get("redirect_url"))
	if err != nil {
		writeError(w, http.StatusBadRequest, "redirect_url_invalid", "Invalid redirect_url",
			"redirect_url must be an http(s) URL on a loopback host (127.0.0.1, ::1, localhost).")
		return
	}
	var org *string
	if q.Has("organization_id") {
		v := q.Get("organization_id")
		org = &v
	}
	i.mu.Lock()
	c := i.clientLocked(r, q.Get("__clerk_db_jwt"))
	i.mu.Unlock()
	i.setClientCookie(w, c)
	i.redirectWithDirectives(w, r, c.id, target, q.Get("suffixed_cookies") == "true", org, q.Get("format"), http.StatusTemporaryRedirect)
}

// redirectWithDirectives issues the cookie directives of the client
// clientID for the application at target and redirects there with a
// handshake nonce (or token).
func (i *Instance) redirectWithDirectives(w http.ResponseWriter, r *http.Request, clientID string, target *url.URL,
	suffixed bool, org *string, format string, status int) {
	dirs, err := i.directives(clientID, originOf(target.String()), suffixed, org)
	if err != nil {
		writeError(w, http.StatusInternalServerError, "unexpected_error", "Unexpected error", "The instance could not mint a token.")
		return
	}
	var loc string
	if format == "nonce" {
		nonce := clerktest.NewID("")
		now := i.now()
		i.mu.Lock()
		i.state.purgeNonces(now)
		i.state.nonces[nonce] = nonceEntry{directives: dirs, expires: now.Add(nonceTTL)}
		i.mu.Unlock()
		loc = withQuery(target, queryHandshakeNonce, nonce)
	} else {
		now := i.now()
		tok, err := i.key.Sign(map[string]any{
			"handshake": dirs,
			"iat":       now.Unix(),
			"exp":       now.Add(nonceTTL).Unix(),
		}, clerktest.WithCategory(clerktest.CategorySession))
		if err != nil {
			writeError(w, http.StatusInternalServerError, "unexpected_error", "Unexpected error", "The instance could not sign the handshake.")
			return
		}
		loc = withQuery(target, queryHandshakeToken, tok)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, loc, status)
}

// directives returns the application's cookies for the client: a fresh
// session token, __client_uat, the dev-browser token and the refresh token
// when signed in; cleared session and refresh cookies and __client_uat=0
// when signed out. With suffixed, the __session, __client_uat and
// __clerk_db_jwt cookies come in both forms (spec §1.4); __refresh is only
// ever suffixed. org, when non-nil, first switches the active organization.
func (i *Instance) directives(clientID, origin string, suffixed bool, org *string) ([]string, error) {
	now := i.now()
	i.mu.Lock()
	c := i.state.clients[clientID]
	if c == nil {
		i.mu.Unlock()
		return nil, errors.New("unknown client")
	}
	sess := i.state.activeSession(c)
	var in tokenInput
	var refresh string
	if sess != nil {
		if org != nil {
			i.switchOrgLocked(c, sess, *org, now)
		}
		if origin != "" {
			sess.origin = origin
		}
		in = i.tokenInputLocked(sess, now)
		refresh = sess.refreshToken
	}
	devBrowser, uat := c.devBrowser, c.uat
	i.mu.Unlock()

	var out []string
	add := func(name, value string, kind dirKind) {
		out = append(out, directive(name, value, kind))
		if suffixed {
			out = append(out, directive(name+"_"+i.suffix, value, kind))
		}
	}
	if sess == nil {
		add(cookieSession, "", dirClear)
		add(cookieClientUAT, "0", dirLong)
		add(cookieDevBrowser, devBrowser, dirLong)
		out = append(out, directive(cookieRefresh+"_"+i.suffix, "", dirClear))
		return out, nil
	}
	tok, err := i.signSession(in)
	if err != nil {
		return nil, err
	}
	add(cookieSession, tok, dirSession)
	add(cookieClientUAT, strconv.FormatInt(uat, 10), dirLong)
	add(cookieDevBrowser, devBrowser, dirLong)
	out = append(out, directive(cookieRefresh+"_"+i.suffix, refresh, dirRefresh))
	return out, nil
}

// switchOrgLocked activates the organization ref (ID or slug; "" for the
// personal account) if the session's user may, and records the change in
// the client's __client_uat.
func (i *Instance) switchOrgLocked(c *client, sess *session, ref string, now time.Time) {
	next := ""
	if ref != "" {
		o, _, ok := i.state.membership(sess.userID, ref)
		if !ok {
			return // unknown organization or not a member: keep the current one
		}
		next = o.ID
	}
	if next != sess.orgID {
		sess.orgID = next
		c.uat = now.Unix()
	}
}

// maxRedirectURL bounds redirect_url.
const maxRedirectURL = 8 << 10

var errRedirectURL = errors.New("redirect_url must be an absolute http(s) URL on a loopback host")

// validateRedirectURL accepts only absolute http and https URLs on a
// loopback host (127.0.0.0/8, ::1, localhost, *.localhost), without user
// information, so that the instance is never an open redirect.
func validateRedirectURL(raw string) (*url.URL, error) {
	if raw == "" || len(raw) > maxRedirectURL {
		return nil, errRedirectURL
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Opaque != "" || u.User != nil || u.Host == "" {
		return nil, errRedirectURL
	}
	if !isLoopbackHost(u.Hostname()) {
		return nil, errRedirectURL
	}
	if p := u.Port(); p != "" {
		if n, err := strconv.Atoi(p); err != nil || n < 1 || n > 65535 {
			return nil, errRedirectURL
		}
	}
	return u, nil
}

func isLoopbackHost(h string) bool {
	h = strings.ToLower(h)
	if h == "localhost" || strings.HasSuffix(h, ".localhost") {
		return true
	}
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}

// withQuery returns u with the parameter key=value appended, after removing
// any handshake parameter already there (a stale one would shadow it). Other
// parameters keep their order and encoding.
func withQuery(u *url.URL, key, value string) string {
	v := *u
	var kept []string
	for _, part := range strings.Split(v.RawQuery, "&") {
		if part == "" {
			continue
		}
		name, _, _ := strings.Cut(part, "=")
		if n, err := url.QueryUnescape(name); err == nil && (n == queryHandshakeNonce || n == queryHandshakeToken) {
			continue
		}
		kept = append(kept, part)
	}
	kept = append(kept, url.QueryEscape(key)+"="+url.QueryEscape(value))
	v.RawQuery = strings.Join(kept, "&")
	v.ForceQuery = false
	return v.String()
}
