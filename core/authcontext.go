package clerk

import (
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Cookie, query and header names (spec §10.3).
const (
	cookieSession         = "__session"
	cookieRefresh         = "__refresh"
	cookieClientUat       = "__client_uat"
	cookieHandshake       = "__clerk_handshake"
	cookieDevBrowser      = "__clerk_db_jwt"
	cookieRedirectCount   = "__clerk_redirect_count"
	cookieHandshakeNonce  = "__clerk_handshake_nonce"
	queryDevBrowser       = "__clerk_db_jwt"
	queryHandshake        = "__clerk_handshake"
	queryHandshakeNonce   = "__clerk_handshake_nonce"
	queryClerkSynced      = "__clerk_synced"
	queryClerkRedirectURL = "__clerk_redirect_url"
	queryHandshakeHelp    = "__clerk_help"
	queryLegacyDevSession = "__dev_session"
	queryHandshakeReason  = "__clerk_hs_reason"
	queryAPIVersion       = "__clerk_api_version"
	queryRedirectURL      = "redirect_url"
	querySuffixedCookies  = "suffixed_cookies"
	queryFormat           = "format"
	querySession          = "__session"
	queryOrganizationID   = "organization_id"
)

// maxCookieHeader caps how much of a Cookie header is parsed: Clerk's
// cookies are a few KiB; a cookie bomb past this is ignored, not scanned.
const maxCookieHeader = 32 << 10

// cookieNames are a client's cookie names, built once (suffix per key).
type cookieNames struct {
	suffix        string
	session       string // __session_<sfx>
	clientUat     string
	refresh       string
	devBrowser    string
	suffixedNames [4]string
}

func newCookieNames(pk string) cookieNames {
	s := CookieSuffix(pk)
	return cookieNames{
		suffix:     s,
		session:    cookieSession + "_" + s,
		clientUat:  cookieClientUat + "_" + s,
		refresh:    cookieRefresh + "_" + s,
		devBrowser: cookieDevBrowser + "_" + s,
	}
}

// requestCookies holds the cookies the flow reads (first occurrence wins).
type requestCookies struct {
	session, sessionSfx       string
	uat, uatSfx               string
	hasUat, hasUatSfx         bool
	refreshSfx                string
	devBrowser, devBrowserSfx string
	handshake, nonce          string
	redirectCount             string
	hasRedirectCount          bool
}

// parseCookies scans a Cookie header the way the npm "cookie" parser that
// Clerk uses does (spec §1.3): pairs split on ";" then "=", names and values
// trimmed of spaces and tabs, the first occurrence of a name wins, values
// percent-decoded when valid. Only the names the flow needs are kept, so no
// map of every cookie is built.
func parseCookies(h string, n *cookieNames) requestCookies {
	var rc requestCookies
	if len(h) > maxCookieHeader {
		h = h[:maxCookieHeader]
	}
	var seen [12]bool
	set := func(i int, dst *string, v string) {
		if !seen[i] {
			seen[i] = true
			*dst = decodeCookieValue(v)
		}
	}
	for index := 0; index < len(h); {
		eq := strings.IndexByte(h[index:], '=')
		if eq < 0 {
			break
		}
		eq += index
		end := strings.IndexByte(h[index:], ';')
		if end < 0 {
			end = len(h)
		} else {
			end += index
		}
		if eq > end {
			// "a; b=c": restart at the ";" just before the "=".
			index = strings.LastIndexByte(h[:eq], ';') + 1
			continue
		}
		name := trimSpaceTab(h[index:eq])
		val := trimSpaceTab(h[eq+1 : end])
		switch name {
		case cookieSession:
			set(0, &rc.session, val)
		case cookieClientUat:
			rc.hasUat = true
			set(1, &rc.uat, val)
		case cookieHandshake:
			set(2, &rc.handshake, val)
		case cookieHandshakeNonce:
			set(3, &rc.nonce, val)
		case cookieDevBrowser:
			set(4, &rc.devBrowser, val)
		case cookieRedirectCount:
			rc.hasRedirectCount = true
			set(5, &rc.redirectCount, val)
		case "":
		default:
			if n == nil {
				break
			}
			switch name {
			case n.session:
				set(6, &rc.sessionSfx, val)
			case n.clientUat:
				rc.hasUatSfx = true
				set(7, &rc.uatSfx, val)
			case n.refresh:
				set(8, &rc.refreshSfx, val)
			case n.devBrowser:
				set(9, &rc.devBrowserSfx, val)
			}
		}
		index = end + 1
	}
	return rc
}

func trimSpaceTab(s string) string {
	return strings.TrimRight(strings.TrimLeft(s, " \t"), " \t")
}

// decodeCookieValue is decodeURIComponent, keeping the raw value when it is
// malformed.
func decodeCookieValue(v string) string {
	if strings.IndexByte(v, '%') < 0 {
		return v
	}
	d, err := url.PathUnescape(v)
	if err != nil || !utf8.ValidString(d) {
		return v
	}
	return d
}

// parseAuthorization extracts the token from an Authorization header
// (spec §1.4): "Bearer <t>" gives t; a value without a space is the token
// itself; any other scheme gives no token.
func parseAuthorization(h string) string {
	if h == "" {
		return ""
	}
	scheme, rest, found := strings.Cut(h, " ")
	if !found {
		return scheme
	}
	// JavaScript's split(" ", 2) keeps the piece up to the next space.
	token, _, _ := strings.Cut(rest, " ")
	if token == "" {
		return scheme
	}
	if scheme == "Bearer" {
		return token
	}
	return ""
}

// clerkURL derives the request URL as the client saw it (spec §1.3): the
// first X-Forwarded-Host (else Host) and the first X-Forwarded-Proto (else
// the request scheme). Hostile values that are not a plain host[:port] are
// ignored, so the URL stays the request's own.
func clerkURL(r Request) *url.URL {
	raw := r.URL()
	u := *raw
	u.Fragment, u.RawFragment = "", ""
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	host := u.Host
	if fh := r.Header("X-Forwarded-Host"); fh != "" {
		host, _, _ = strings.Cut(fh, ",")
	} else if h := r.Header("Host"); h != "" {
		host = h
	}
	proto := u.Scheme
	if fp := r.Header("X-Forwarded-Proto"); fp != "" {
		proto, _, _ = strings.Cut(fp, ",")
	}
	if (proto == "http" || proto == "https") && validHost(host) {
		u.Scheme, u.Host = proto, strings.ToLower(host)
	}
	u.User = nil
	u.Opaque = ""
	return &u
}

// validHost accepts host, host:port, [v6] and [v6]:port with the
// characters a host name or address may hold.
func validHost(h string) bool {
	if h == "" || len(h) > 255 {
		return false
	}
	hostPart := h
	if strings.HasPrefix(h, "[") {
		end := strings.IndexByte(h, ']')
		if end < 0 {
			return false
		}
		for _, c := range h[1:end] {
			if !(c == ':' || c == '.' || c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
				return false
			}
		}
		rest := h[end+1:]
		if rest == "" {
			return true
		}
		if rest[0] != ':' {
			return false
		}
		return validPort(rest[1:])
	}
	if i := strings.LastIndexByte(h, ':'); i >= 0 {
		if !validPort(h[i+1:]) {
			return false
		}
		hostPart = h[:i]
	}
	if hostPart == "" {
		return false
	}
	for i := 0; i < len(hostPart); i++ {
		c := hostPart[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == '_') {
			return false
		}
	}
	return true
}

func validPort(p string) bool {
	if p == "" || len(p) > 5 {
		return false
	}
	n, err := strconv.Atoi(p)
	return err == nil && n > 0 && n < 65536
}

// stripScheme removes every "http://" and "https://" (any case), as Clerk
// does before comparing an issuer with the Frontend API host.
func stripScheme(s string) string {
	for {
		l := strings.ToLower(s)
		i := strings.Index(l, "https://")
		n := 8
		if j := strings.Index(l, "http://"); j >= 0 && (i < 0 || j < i) {
			i, n = j, 7
		}
		if i < 0 {
			return s
		}
		s = s[:i] + s[i+n:]
	}
}

// authContext is everything the flow reads from one request (spec §1.4),
// computed once.
type authContext struct {
	req           Request
	method        string
	clerkURL      *url.URL
	q             url.Values // parsed lazily
	tokenInHeader string
	origin        string
	referrer      string
	secFetchDest  string
	accept        string

	cookies              requestCookies
	usesSuffixedCookies  bool
	sessionTokenInCookie string
	clientUat            int64
	refreshTokenInCookie string
	devBrowserToken      string
	handshakeToken       string
	handshakeNonce       string
	redirectCount        int

	frontendAPI         string // proxy URL, satellite host or the key's host
	originalFrontendAPI string

	orgTarget     OrganizationSyncTarget
	orgTargetDone bool
}

func (ac *authContext) query() url.Values {
	if ac.q == nil {
		ac.q = ac.clerkURL.Query()
	}
	return ac.q
}

// sessionToken is the token used for refresh and the handshake URL.
func (ac *authContext) sessionToken() string {
	if ac.sessionTokenInCookie != "" {
		return ac.sessionTokenInCookie
	}
	return ac.tokenInHeader
}

func (c *Client) newAuthContext(req Request, acc TokenAcceptance) *authContext {
	ac := &authContext{
		req:           req,
		method:        req.Method(),
		tokenInHeader: parseAuthorization(req.Header("Authorization")),
	}
	if acc.singleMachine() {
		// Machine-only requests read the header and nothing else.
		return ac
	}
	ac.clerkURL = clerkURL(req)
	ac.origin = req.Header("Origin")
	ac.referrer = req.Header("Referer")
	ac.secFetchDest = req.Header("Sec-Fetch-Dest")
	ac.accept = req.Header("Accept")
	if !c.hasPK {
		ac.cookies = parseCookies(req.Header("Cookie"), nil)
		return ac
	}
	ac.frontendAPI, ac.originalFrontendAPI = c.frontendAPIFor(ac.clerkURL)
	ac.cookies = parseCookies(req.Header("Cookie"), &c.cookieNames)
	rc := &ac.cookies
	ac.usesSuffixedCookies = c.usesSuffixedCookies(ac, rc)
	uat := rc.uat
	if ac.usesSuffixedCookies {
		ac.sessionTokenInCookie = rc.sessionSfx
		uat = rc.uatSfx
		ac.devBrowserToken = rc.devBrowserSfx
	} else {
		ac.sessionTokenInCookie = rc.session
		ac.devBrowserToken = rc.devBrowser
	}
	ac.clientUat = parseClientUat(uat)
	ac.refreshTokenInCookie = rc.refreshSfx
	q := ac.query()
	if v := q.Get(queryDevBrowser); v != "" {
		ac.devBrowserToken = v
	}
	ac.handshakeToken = firstNonEmpty(q.Get(queryHandshake), rc.handshake)
	ac.handshakeNonce = firstNonEmpty(q.Get(queryHandshakeNonce), rc.nonce)
	if rc.hasRedirectCount {
		ac.redirectCount = int(parseJSNumber(rc.redirectCount))
	}
	return ac
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// parseJSNumber is Number(v) || 0 for the small integers of a counter.
func parseJSNumber(v string) int64 {
	v = strings.TrimSpace(v)
	n, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		if f, err := strconv.ParseFloat(v, 64); err == nil && f == float64(int64(f)) {
			return int64(f)
		}
		return 0
	}
	return n
}

// frontendAPIFor returns the Frontend API (proxy URL if set, the
// satellite's clerk.<domain> in production, else the key's host) and the
// same without the proxy (spec §1.4).
func (c *Client) frontendAPIFor(u *url.URL) (fapi, original string) {
	original = c.pk.FrontendAPI
	if c.pk.InstanceType == Production && c.opts.IsSatellite && c.opts.Domain != "" {
		original = "clerk." + c.opts.Domain
	}
	fapi = original
	if p := c.opts.ProxyURL; p != "" {
		if strings.HasPrefix(p, "/") {
			fapi = u.Scheme + "://" + u.Host + p
		} else {
			fapi = p
		}
	}
	return fapi, original
}

// usesSuffixedCookies is spec §1.4's eight rules, first hit wins.
func (c *Client) usesSuffixedCookies(ac *authContext, rc *requestCookies) bool {
	sess, sSess := rc.session, rc.sessionSfx
	if sess != "" {
		d, err := decodeJWT(sess)
		if err != nil || d.claims == nil || !d.claims.iss.present {
			return false // 1
		}
		if !d.claims.iss.isString || stripScheme(d.claims.iss.v) != ac.originalFrontendAPI {
			return true // 2
		}
	}
	if !rc.hasUatSfx && sSess == "" {
		return false // 3
	}
	sUatZero := rc.hasUatSfx && rc.uatSfx == "0"
	uatZero := rc.hasUat && rc.uat == "0"
	if !sUatZero && !uatZero && tokenIat(sess) > tokenIat(sSess) {
		return false // 4
	}
	if sUatZero && !uatZero {
		return false // 5
	}
	if c.pk.InstanceType != Production && !sUatZero && uatZero {
		if d, err := decodeJWT(sSess); err == nil && d.claims != nil && d.claims.exp.isNum &&
			d.claims.exp.v <= float64(c.now().Unix()) {
			return false // 6
		}
	}
	if !rc.hasUatSfx && sSess != "" {
		return false // 7
	}
	return true // 8
}

// tokenIat is the iat of an unverified token, 0 when missing.
func tokenIat(tok string) float64 {
	if tok == "" {
		return 0
	}
	d, err := decodeJWT(tok)
	if err != nil || d.claims == nil || !d.claims.iat.isNum {
		return 0
	}
	return d.claims.iat.v
}
