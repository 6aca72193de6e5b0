package clerk

import (
	"encoding/json"
	"errors"
	"math"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
)

// Cookie, query and header names.
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
	suffix     string
	session    string // __session_<sfx>
	clientUat  string
	refresh    string
	devBrowser string
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
// As in Clerk, whose getCookie returns `value || undefined`, an empty value
// counts as an absent cookie everywhere.
type requestCookies struct {
	session, sessionSfx       string
	uat, uatSfx               string
	refreshSfx                string
	devBrowser, devBrowserSfx string
	handshake, nonce          string
	redirectCount             string
}

// parseCookies scans a Cookie header the way the npm "cookie" parser that
// Clerk uses does (spec §1.3): pairs split on ";" then "=", names and values
// trimmed of spaces and tabs, the first occurrence of a name wins, values
// percent-decoded when valid. Only the names the flow needs are kept, so no
// map of every cookie is built.
func parseCookies(h string, n *cookieNames) requestCookies {
	var rc requestCookies
	if len(h) > maxCookieHeader {
		// Cut at the last ";" inside the cap so that no value is truncated
		// (a cut token would read as a different, invalid one).
		h = h[:strings.LastIndexByte(h[:maxCookieHeader], ';')+1]
	}
	if len(h) < 2 {
		return rc // the npm parser ignores such headers
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
			set(1, &rc.uat, val)
		case cookieHandshake:
			set(2, &rc.handshake, val)
		case cookieHandshakeNonce:
			set(3, &rc.nonce, val)
		case cookieDevBrowser:
			set(4, &rc.devBrowser, val)
		case cookieRedirectCount:
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
// the request scheme). Clerk's SDK accepts whatever its URL parser makes of
// these headers; clerkguard takes them only when they are a plain
// host[:port] and http or https, so a hostile proxy header (a path, a
// user@, a script scheme, CR/LF) leaves the request's own URL in place. A
// request URL whose own host fails the same test loses its host.
func clerkURL(r Request) *url.URL {
	u := new(url.URL)
	clerkURLInto(r, u)
	return u
}

// urlCopier lets a Request fill a URL without allocating one (NewRequest's
// view of a server request).
type urlCopier interface{ copyURL(dst *url.URL) }

// clerkURLInto is clerkURL writing into dst.
func clerkURLInto(r Request, dst *url.URL) {
	if uc, ok := r.(urlCopier); ok {
		uc.copyURL(dst)
	} else if u := r.URL(); u != nil {
		*dst = *u
	} else {
		*dst = url.URL{} // a Request without a URL: no path, no host
	}
	u := dst
	u.Fragment, u.RawFragment = "", ""
	u.User = nil
	u.Opaque = ""
	u.ForceQuery = false
	if u.Scheme == "" {
		u.Scheme = "http"
	}
	u.Scheme = strings.ToLower(u.Scheme)
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
	// The URL parser Clerk relies on drops surrounding spaces and is
	// case-insensitive in the scheme and host.
	host = strings.ToLower(trimSpaceTab(host))
	proto = strings.ToLower(trimSpaceTab(proto))
	if (proto == "http" || proto == "https") && validHost(host) {
		u.Scheme, u.Host = proto, host
		return
	}
	// The request's own URL is held to the same rule: a custom Request
	// (net/http and fasthttp refuse such Hosts before the core sees them)
	// must not put a path, credentials or CR/LF into a redirect.
	if u.Scheme != "http" && u.Scheme != "https" {
		u.Scheme = "http"
	}
	if u.Host != "" && !validHost(u.Host) {
		u.Host = ""
	}
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
	return err == nil && n >= 0 && n < 65536
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
	q             searchParams // the Clerk URL's query, parsed lazily
	qDone         bool
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
	// redirectCount is Number(__clerk_redirect_count) || 0: a JavaScript
	// number, so "1.5" or "0x2" count as Clerk counts them.
	redirectCount float64

	frontendAPI         string // proxy URL, satellite host or the key's host
	originalFrontendAPI string

	orgTarget     OrganizationSyncTarget
	orgTargetDone bool

	// apiErr is a Backend API failure met while resolving a handshake nonce
	// or refreshing; an outage makes Protect answer 503 (design §4.2).
	apiErr error

	// The request's other per-request values live here too, so that a
	// signed-in request costs one allocation: the Clerk URL, the signed-in
	// state, its Auth and the request info Protect reads.
	urlBuf  url.URL
	stBuf   RequestState
	authBuf Auth
	riBuf   requestInfo
}

// query is the Clerk URL's query as URLSearchParams parses it (pairs in
// order, "+" as space, malformed escapes kept).
// url is the Clerk URL; a context built without one (machine-only
// requests) has an empty URL rather than nil.
func (ac *authContext) url() *url.URL {
	if ac == nil || ac.clerkURL == nil {
		return &url.URL{}
	}
	return ac.clerkURL
}

func (ac *authContext) query() searchParams {
	if !ac.qDone {
		ac.q, ac.qDone = parseSearchParams(ac.clerkURL.RawQuery), true
	}
	return ac.q
}

// queryHas is URLSearchParams.has.
func (ac *authContext) queryHas(name string) bool {
	for _, p := range ac.query() {
		if p.name == name {
			return true
		}
	}
	return false
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
	clerkURLInto(req, &ac.urlBuf)
	ac.clerkURL = &ac.urlBuf
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
	ac.usesSuffixedCookies = c.usesSuffixedCookies(rc)
	uat := rc.uat
	if ac.usesSuffixedCookies {
		ac.sessionTokenInCookie = rc.sessionSfx
		uat = rc.uatSfx
		ac.devBrowserToken = rc.devBrowserSfx
	} else {
		ac.sessionTokenInCookie = rc.session
		ac.devBrowserToken = rc.devBrowser
	}
	ac.clientUat = jsParseInt(uat)
	ac.refreshTokenInCookie = rc.refreshSfx
	q := ac.query()
	if v := q.get(queryDevBrowser); v != "" {
		ac.devBrowserToken = v
	}
	ac.handshakeToken = firstNonEmpty(q.get(queryHandshake), rc.handshake)
	ac.handshakeNonce = firstNonEmpty(q.get(queryHandshakeNonce), rc.nonce)
	ac.redirectCount = jsNumberOr0(rc.redirectCount)
	return ac
}

func firstNonEmpty(a, b string) string {
	if a != "" {
		return a
	}
	return b
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
			fapi = urlOrigin(u) + p
		} else {
			fapi = p
		}
	}
	return fapi, original
}

// usesSuffixedCookies is spec §1.4's eight rules, first hit wins. The iat
// and exp comparisons follow JavaScript's, on whatever the unverified
// tokens hold.
func (c *Client) usesSuffixedCookies(rc *requestCookies) bool {
	sess, sSess := rc.session, rc.sessionSfx
	sUat, uat := rc.uatSfx, rc.uat
	var sessC *SessionClaims
	if sess != "" {
		cl := c.cookieTokenClaims(sess)
		if cl == nil || !issTruthy(cl) {
			return false // 1: no issuer, the un-suffixed cookie is ours
		}
		if !cl.iss.isString || stripScheme(cl.iss.v) != c.originalFrontendAPI() {
			return true // 2: another instance owns __session
		}
		sessC = cl
	}
	if sUat == "" && sSess == "" {
		return false // 3
	}
	var sSessC *SessionClaims
	if sSess != "" {
		sSessC = c.cookieTokenClaims(sSess)
	}
	if sUat != "0" && uat != "0" && claimValue(sessC, "iat").orZero().greater(claimValue(sSessC, "iat").orZero()) {
		return false // 4
	}
	if sUat == "0" && uat != "0" {
		return false // 5
	}
	if c.pk.InstanceType != Production && sUat != "0" && uat == "0" && sSessC != nil {
		now := float64(c.now().Unix())
		if exp, ok := claimValue(sSessC, "exp").number(); ok && exp <= now {
			return false // 6
		}
	}
	if sUat == "" && sSess != "" {
		return false // 7
	}
	return true // 8
}

// cookieTokenClaims is decodeJWT(token).claims for usesSuffixedCookies (nil
// when the token does not decode or its payload is JSON null). A token in
// the verified-token cache is not decoded again: its entry holds the claims
// decodeJWT gave for these very bytes when it was verified, so the answer is
// the same, without the base64 and JSON work on every browser request.
func (c *Client) cookieTokenClaims(token string) *SessionClaims {
	if e := c.tokens.get(token, c.keyGeneration()); e != nil && e.claims != nil {
		return e.claims
	}
	d, err := decodeJWT(token)
	if err != nil {
		return nil
	}
	return d.claims
}

// issTruthy is the JavaScript truthiness of the payload's iss member, read
// from the decoded claim; only a non-string iss needs the raw JSON.
func issTruthy(c *SessionClaims) bool {
	switch {
	case !c.iss.present:
		return false
	case c.iss.isString:
		return c.iss.v != ""
	}
	return jsTruthy([]byte(rawMember(c.raw, "iss")))
}

// jsValue is a payload member as usesSuffixedCookies compares it: a JSON
// number (num, isNum), else the member's raw JSON ("" when absent).
type jsValue struct {
	raw   string
	num   float64
	isNum bool
}

// claimValue is the iat or exp member of claims c (nil: no token): the
// number the decoded claims already hold, so that a well-formed token's
// payload is not scanned again, else the raw JSON. The number is the one
// JSON.parse gives (numClaim parses as jsToNumber does).
func claimValue(c *SessionClaims, name string) jsValue {
	if c == nil {
		return jsValue{}
	}
	var n *numClaim
	switch name {
	case "iat":
		n = &c.iat
	case "exp":
		n = &c.exp
	default:
		panic("clerk: claimValue of " + name)
	}
	switch {
	case !n.present:
		return jsValue{}
	case n.isNum:
		return jsValue{num: n.v, isNum: true}
	}
	return jsValue{raw: rawMember(c.raw, name)}
}

// orZero is `value || 0`.
func (v jsValue) orZero() jsValue {
	if v.isNum {
		if v.num == 0 {
			return jsValue{num: 0, isNum: true} // -0 || 0 is 0
		}
		return v
	}
	return jsValue{raw: jsOrZero(v.raw)}
}

// number is ToNumber(value); ok is false for NaN (and undefined).
func (v jsValue) number() (float64, bool) {
	if v.isNum {
		return v.num, true
	}
	return jsToNumber(v.raw)
}

// greater is JavaScript's a > b (see jsGreater).
func (v jsValue) greater(w jsValue) bool {
	if !v.isNum && !w.isNum {
		return jsGreater(v.raw, w.raw)
	}
	x, okx := v.number()
	y, oky := w.number()
	return okx && oky && x > y
}

// originalFrontendAPI is the Frontend API without the proxy URL: the one
// that owns the instance's tokens.
func (c *Client) originalFrontendAPI() string {
	if c.pk.InstanceType == Production && c.opts.IsSatellite && c.opts.Domain != "" {
		return "clerk." + c.opts.Domain
	}
	return c.pk.FrontendAPI
}

// payloadMember is the raw JSON of a payload member (the last of repeated
// names, as JSON.parse keeps), "" when absent or when d is nil.
func payloadMember(d *decodedJWT, name string) string {
	if d == nil {
		return ""
	}
	return rawMember(d.payload, name)
}

// rawMember is payloadMember of a payload's bytes.
func rawMember(payload []byte, name string) string {
	v := ""
	scanObject(string(payload), func(key, val string) {
		if key == name {
			v = val
		}
	})
	return v
}

// The helpers below give JavaScript's answers for the few places where
// Clerk's flow compares unverified claim values or cookie text loosely
// (spec §1.4, §1.7 step 12): a token with "iat":"5" or a counter cookie of
// "0x2" must take the same branch as in Clerk.

// jsOrZero is `value || 0` for a raw JSON value.
func jsOrZero(raw string) string {
	if !jsTruthy([]byte(raw)) {
		return "0"
	}
	return raw
}

func jsonNumber(raw string) (float64, bool) {
	f, err := strconv.ParseFloat(raw, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && ne.Err == strconv.ErrRange {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// jsToNumber is ToNumber of a raw JSON value: numbers as they are, strings
// with Number() rules, true 1, false and null 0; objects, arrays and
// undefined are NaN (ok false).
func jsToNumber(raw string) (float64, bool) {
	switch {
	case raw == "":
		return 0, false
	case raw == "null" || raw == "false":
		return 0, true
	case raw == "true":
		return 1, true
	case raw[0] == '"':
		var s string
		if json.Unmarshal([]byte(raw), &s) != nil {
			return 0, false
		}
		return jsNumberOK(s)
	case raw[0] == '-' || raw[0] >= '0' && raw[0] <= '9':
		return jsonNumber(raw)
	}
	return 0, false
}

// jsGreater is JavaScript's a > b for two raw JSON values: two strings
// compare as text, anything else as numbers (NaN is never greater).
func jsGreater(a, b string) bool {
	if len(a) > 0 && a[0] == '"' && len(b) > 0 && b[0] == '"' {
		var sa, sb string
		if json.Unmarshal([]byte(a), &sa) == nil && json.Unmarshal([]byte(b), &sb) == nil {
			return compareUTF16(sa, sb) > 0
		}
	}
	x, okx := jsToNumber(a)
	y, oky := jsToNumber(b)
	return okx && oky && x > y
}

func compareUTF16(a, b string) int {
	ua, ub := utf16.Encode([]rune(a)), utf16.Encode([]rune(b))
	for i := 0; i < len(ua) && i < len(ub); i++ {
		if ua[i] != ub[i] {
			if ua[i] < ub[i] {
				return -1
			}
			return 1
		}
	}
	return len(ua) - len(ub)
}

// jsNumberOr0 is Number(v) || 0.
func jsNumberOr0(v string) float64 {
	f, ok := jsNumberOK(v)
	if !ok || f == 0 {
		return 0 // NaN and -0 are falsy too
	}
	return f
}

// jsWhitespace is what String.prototype.trim and Number() strip.
const jsWhitespace = " \t\n\v\f\r\u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"

// jsNumberOK is Number(v); ok is false for NaN.
func jsNumberOK(v string) (float64, bool) {
	v = strings.Trim(v, jsWhitespace)
	if v == "" {
		return 0, true
	}
	if len(v) > 2 && v[0] == '0' {
		base := 0
		switch v[1] {
		case 'x', 'X':
			base = 16
		case 'o', 'O':
			base = 8
		case 'b', 'B':
			base = 2
		}
		if base != 0 {
			var f float64
			for _, c := range v[2:] {
				d, ok := digitValue(c)
				if !ok || d >= base {
					return 0, false
				}
				f = f*float64(base) + float64(d)
			}
			return f, true
		}
	}
	switch v {
	case "Infinity", "+Infinity":
		return math.Inf(1), true
	case "-Infinity":
		return math.Inf(-1), true
	}
	// A decimal literal: digits, at most one dot, an optional exponent.
	i := 0
	if v[0] == '+' || v[0] == '-' {
		i++
	}
	digits, dot := 0, false
	for ; i < len(v); i++ {
		c := v[i]
		if c >= '0' && c <= '9' {
			digits++
			continue
		}
		if c == '.' && !dot {
			dot = true
			continue
		}
		break
	}
	if digits == 0 {
		return 0, false
	}
	if i < len(v) && (v[i] == 'e' || v[i] == 'E') {
		j := i + 1
		if j < len(v) && (v[j] == '+' || v[j] == '-') {
			j++
		}
		k := j
		for k < len(v) && v[k] >= '0' && v[k] <= '9' {
			k++
		}
		if k == j {
			return 0, false
		}
		i = k
	}
	if i != len(v) {
		return 0, false
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil {
		var ne *strconv.NumError
		if !errors.As(err, &ne) || ne.Err != strconv.ErrRange {
			return 0, false
		}
	}
	return f, true
}

func digitValue(c rune) (int, bool) {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0'), true
	case c >= 'a' && c <= 'z':
		return int(c-'a') + 10, true
	case c >= 'A' && c <= 'Z':
		return int(c-'A') + 10, true
	}
	return 0, false
}

// jsParseInt is Number.parseInt(v) || 0 (radix 10, or 16 after "0x"),
// saturated to the int64 range: leading whitespace and a sign, then the
// longest run of digits.
func jsParseInt(v string) int64 {
	v = strings.TrimLeft(v, jsWhitespace)
	neg := false
	if v != "" && (v[0] == '+' || v[0] == '-') {
		neg = v[0] == '-'
		v = v[1:]
	}
	base := 10
	if len(v) >= 2 && v[0] == '0' && (v[1] == 'x' || v[1] == 'X') {
		base, v = 16, v[2:]
	}
	var n int64
	digits := 0
	for _, c := range v {
		d, ok := digitValue(c)
		if !ok || d >= base {
			break
		}
		digits++
		if n > (math.MaxInt64-int64(d))/int64(base) {
			n = math.MaxInt64 // parseInt keeps growing; nothing compares past this
			continue
		}
		n = n*int64(base) + int64(d)
	}
	if digits == 0 {
		return 0
	}
	if neg {
		return -n
	}
	return n
}

// counterString is String(f) for the counter the loop guard writes.
func counterString(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "Infinity"
	case math.IsInf(f, -1):
		return "-Infinity"
	}
	return jsNumber(f)
}
