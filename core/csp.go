package clerk

import (
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"slices"
	"strings"
)

// CSPOptions configures [ContentSecurityPolicy]: Clerk's
// contentSecurityPolicy middleware option.
type CSPOptions struct {
	// Strict drops "http:" and "https:" from script-src and adds
	// 'strict-dynamic' and a nonce, so only scripts carrying the nonce (and
	// what they load) run. Clerk: strict.
	Strict bool

	// Directives adds to the policy. Values of a directive Clerk sets by
	// default are merged with Clerk's; other directives are set as given.
	// A list containing "none" (quoted or not) becomes 'none' alone. The
	// keywords none, self, strict-dynamic, unsafe-eval, unsafe-hashes and
	// unsafe-inline are single-quoted for you. Clerk: directives.
	Directives map[string][]string

	// ReportOnly sends the policy as Content-Security-Policy-Report-Only:
	// violations are reported, nothing is blocked. Clerk: reportOnly.
	ReportOnly bool

	// ReportTo, when set, is the URL violations are reported to: the policy
	// gains "report-to csp-endpoint" and a Reporting-Endpoints header names
	// the URL. Clerk: reportTo.
	ReportTo string

	// Nonce is the script nonce of strict mode; when empty a new one is
	// generated (16 random bytes, base64, as Clerk does). Ignored unless
	// Strict is set.
	Nonce string

	// Development adds 'unsafe-eval' to script-src, which development
	// builds of JavaScript frameworks need for hot reloading. Clerk decides
	// this from NODE_ENV (anything but "production" adds it); Go has no such
	// setting, so it is explicit and off by default: the policy is Clerk's
	// production policy unless you ask.
	Development bool
}

// CSPHeader is one response header of a [CSP].
type CSPHeader struct {
	Name, Value string
}

// CSP is a computed Content-Security-Policy: the headers to set, in Clerk's
// order (Reporting-Endpoints, the policy, X-Nonce), and the nonce of strict
// mode.
type CSP struct {
	Headers []CSPHeader
	// Nonce is the script nonce ("" unless Strict): put it in the nonce
	// attribute of your script tags. It is also sent as X-Nonce, like
	// Clerk's middleware does.
	Nonce string
}

// Apply sets the headers on h (typically a response's headers), replacing
// any value they had.
func (p CSP) Apply(h http.Header) {
	for _, x := range p.Headers {
		h.Set(x.Name, x.Value)
	}
}

// Policy returns the policy string (the value of the Content-Security-Policy
// or Content-Security-Policy-Report-Only header).
func (p CSP) Policy() string {
	for _, x := range p.Headers {
		if x.Name == HeaderContentSecurityPolicy || x.Name == HeaderContentSecurityPolicyReportOnly {
			return x.Value
		}
	}
	return ""
}

// Header names of a [CSP].
const (
	HeaderContentSecurityPolicy           = "Content-Security-Policy"
	HeaderContentSecurityPolicyReportOnly = "Content-Security-Policy-Report-Only"
	HeaderReportingEndpoints              = "Reporting-Endpoints"
	HeaderNonce                           = "X-Nonce"
)

// ContentSecurityPolicy returns the Content-Security-Policy that lets
// Clerk's frontend run (its Frontend API, Cloudflare's bot protection,
// Stripe, telemetry, images), with the same header strings as Clerk's
// Next.js middleware for the same inputs. frontendAPIHost is
// the instance's Frontend API host without scheme, for example
// "clerk.example.com" ([Client.ContentSecurityPolicy] fills it in).
//
// The policy is computed per response (a strict policy has a fresh nonce);
// without custom directives it costs a few small allocations.
//
//	csp := clerk.ContentSecurityPolicy(clerk.CSPOptions{Strict: true}, "clerk.example.com")
//	csp.Apply(w.Header())
//	// <script nonce="{{.Nonce}}" ...>
func ContentSecurityPolicy(opts CSPOptions, frontendAPIHost string) CSP {
	nonce := ""
	if opts.Strict {
		nonce = opts.Nonce
		if nonce == "" {
			nonce = newNonce()
		}
	}
	var policy string
	if len(opts.Directives) == 0 {
		policy = defaultPolicy(frontendAPIHost, opts.Strict, opts.Development, nonce, opts.ReportTo != "")
	} else {
		policy = customPolicy(frontendAPIHost, opts, nonce)
	}
	n := 1
	if opts.ReportTo != "" {
		n++
	}
	if nonce != "" {
		n++
	}
	out := CSP{Headers: make([]CSPHeader, 0, n), Nonce: nonce}
	if opts.ReportTo != "" {
		out.Headers = append(out.Headers, CSPHeader{HeaderReportingEndpoints, `csp-endpoint="` + opts.ReportTo + `"`})
	}
	name := HeaderContentSecurityPolicy
	if opts.ReportOnly {
		name = HeaderContentSecurityPolicyReportOnly
	}
	out.Headers = append(out.Headers, CSPHeader{name, policy})
	if nonce != "" {
		out.Headers = append(out.Headers, CSPHeader{HeaderNonce, nonce})
	}
	return out
}

// ContentSecurityPolicy is [ContentSecurityPolicy] for the Frontend API
// host of c's publishable key (empty without one).
func (c *Client) ContentSecurityPolicy(opts CSPOptions) CSP {
	var host string
	if c != nil && c.hasPK {
		host = c.pk.FrontendAPI
	}
	return ContentSecurityPolicy(opts, host)
}

func newNonce() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (crypto/rand, Go 1.24+)
	return base64.StdEncoding.EncodeToString(b[:])
}

// cspDirective is a directive and its values as Clerk keeps them: raw
// ("self") until a merge formats them ("'self'"); formatting happens again
// on output.
type cspDirective struct {
	name   string
	values []string
}

// Clerk's defaults (spec §9.2), sorted by name. script-src's "unsafe-eval"
// is inserted after "self" in development.
var cspDefaults = []cspDirective{
	{"connect-src", []string{"self", "https://clerk-telemetry.com", "https://*.clerk-telemetry.com", "https://api.stripe.com",
		"https://maps.googleapis.com", "https://img.clerk.com", "https://images.clerkstage.dev", "https://*.protect.clerk.com:*"}},
	{"default-src", []string{"self"}},
	{"form-action", []string{"self"}},
	{"frame-src", []string{"self", "https://challenges.cloudflare.com", "https://*.js.stripe.com", "https://js.stripe.com",
		"https://hooks.stripe.com", "https://*.protect.clerk.com"}},
	{"img-src", []string{"self", "https://img.clerk.com"}},
	{"script-src", []string{"self", "unsafe-inline", "https:", "http:", "https://*.js.stripe.com", "https://js.stripe.com",
		"https://maps.googleapis.com", "https://*.protect.clerk.com"}},
	{"style-src", []string{"self", "unsafe-inline"}},
	{"worker-src", []string{"self", "blob:"}},
}

// defaultPolicy writes the policy without custom directives in one pass.
func defaultPolicy(host string, strict, dev bool, nonce string, reportTo bool) string {
	var b strings.Builder
	b.Grow(720 + len(host) + len(nonce))
	for i, d := range cspDefaults {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.name)
		switch d.name {
		case "connect-src":
			writeValues(&b, d.values)
			if !slices.Contains(d.values, host) {
				b.WriteByte(' ')
				writeCSPValue(&b, host)
			}
		case "script-src":
			for j, v := range d.values {
				if strict && (v == "http:" || v == "https:") {
					continue
				}
				b.WriteByte(' ')
				writeCSPValue(&b, v)
				if j == 0 && dev {
					b.WriteString(" 'unsafe-eval'")
				}
			}
			if strict {
				b.WriteString(" 'strict-dynamic'")
				if nonce != "" {
					b.WriteString(" 'nonce-")
					b.WriteString(nonce)
					b.WriteByte('\'')
				}
			}
		default:
			writeValues(&b, d.values)
		}
	}
	if reportTo {
		b.WriteString("; report-to csp-endpoint")
	}
	return b.String()
}

func writeValues(b *strings.Builder, values []string) {
	for _, v := range values {
		b.WriteByte(' ')
		writeCSPValue(b, v)
	}
}

func writeCSPValue(b *strings.Builder, v string) {
	if kw, ok := cspKeyword(v); ok {
		b.WriteByte('\'')
		b.WriteString(kw)
		b.WriteByte('\'')
		return
	}
	b.WriteString(v)
}

// customPolicy is Clerk's buildContentSecurityPolicyDirectives with custom
// directives: merged into a default directive, set as given otherwise.
func customPolicy(host string, opts CSPOptions, nonce string) string {
	dirs := make([]cspDirective, 0, len(cspDefaults)+len(opts.Directives))
	for _, d := range cspDefaults {
		values := slices.Clone(d.values)
		if d.name == "script-src" && opts.Development {
			values = slices.Insert(values, 1, "unsafe-eval")
		}
		dirs = append(dirs, cspDirective{d.name, values})
	}
	find := func(name string) int {
		for i := range dirs {
			if dirs[i].name == name {
				return i
			}
		}
		return -1
	}
	connect := find("connect-src")
	dirs[connect].values = addUnique(dirs[connect].values, host)
	if opts.Strict {
		script := find("script-src")
		dirs[script].values = slices.DeleteFunc(dirs[script].values, func(v string) bool { return v == "http:" || v == "https:" })
		dirs[script].values = addUnique(dirs[script].values, "'strict-dynamic'")
		if nonce != "" {
			dirs[script].values = addUnique(dirs[script].values, "'nonce-"+nonce+"'")
		}
	}
	// Map order does not matter: each directive is handled on its own and
	// the output is sorted.
	for name, values := range opts.Directives {
		i := find(name)
		isDefault := i >= 0 && i < len(cspDefaults)
		var merged []string
		switch {
		case slices.Contains(values, "'none'") || slices.Contains(values, "none"):
			merged = []string{"'none'"}
		case isDefault:
			for _, v := range dirs[i].values {
				merged = addUnique(merged, formatCSPValue(v))
			}
			for _, v := range values {
				merged = addUnique(merged, formatCSPValue(v))
			}
		default:
			merged = make([]string, 0, len(values))
			for _, v := range values {
				merged = addUnique(merged, formatCSPValue(v))
			}
		}
		if i >= 0 {
			dirs[i].values = merged
		} else {
			dirs = append(dirs, cspDirective{name, merged})
		}
	}
	slices.SortFunc(dirs, func(a, b cspDirective) int { return localeCompare(a.name, b.name) })
	var b strings.Builder
	for i, d := range dirs {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(d.name)
		b.WriteByte(' ')
		for j, v := range d.values {
			if j > 0 {
				b.WriteByte(' ')
			}
			writeCSPValue(&b, v)
		}
	}
	if opts.ReportTo != "" {
		b.WriteString("; report-to csp-endpoint")
	}
	return b.String()
}

// addUnique is Set.add: v is appended unless already present.
func addUnique(values []string, v string) []string {
	if slices.Contains(values, v) {
		return values
	}
	return append(values, v)
}

// formatCSPValue is Clerk's formatValue: a keyword, quoted or not, comes
// out single-quoted; anything else as given.
func formatCSPValue(v string) string {
	if kw, ok := cspKeyword(v); ok {
		return "'" + kw + "'"
	}
	return v
}

// cspKeyword strips one leading and one trailing quote from v (Clerk's
// value.replace(/^'|'$/g, ”)) and reports whether what is left, stripped
// once more, is a keyword; kw is the once-stripped value Clerk quotes.
func cspKeyword(v string) (kw string, ok bool) {
	kw = stripQuotes(v)
	switch stripQuotes(kw) {
	case "none", "self", "strict-dynamic", "unsafe-eval", "unsafe-hashes", "unsafe-inline":
		return kw, true
	}
	return "", false
}

func stripQuotes(s string) string {
	s = strings.TrimPrefix(s, "'")
	return strings.TrimSuffix(s, "'")
}

// localeCompare orders directive names as JavaScript's
// String.prototype.localeCompare does for them (root collation): ASCII
// letters compared without case first, punctuation before digits before
// letters, lower case before upper case on a tie.
func localeCompare(a, b string) int {
	if c := compareBy(a, b, collationKey); c != 0 {
		return c
	}
	if c := compareBy(a, b, func(c byte) int {
		if c >= 'A' && c <= 'Z' {
			return 1
		}
		return 0
	}); c != 0 {
		return c
	}
	return strings.Compare(a, b)
}

func compareBy(a, b string, key func(byte) int) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if ka, kb := key(a[i]), key(b[i]); ka != kb {
			return ka - kb
		}
	}
	return len(a) - len(b)
}

// collationKey places punctuation (in byte order) before digits before
// letters (case folded).
func collationKey(c byte) int {
	switch {
	case c >= 'a' && c <= 'z':
		return 2000 + int(c-'a')
	case c >= 'A' && c <= 'Z':
		return 2000 + int(c-'A')
	case c >= '0' && c <= '9':
		return 1000 + int(c)
	default:
		return int(c)
	}
}
