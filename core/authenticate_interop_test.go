package clerk_test

import (
	"context"
	"crypto/tls"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
)

// The differential test against Clerk's own SDK (issue 4, design §5): every
// request of a generated corpus goes through @clerk/backend's
// authenticateRequest (interop/authenticate.mjs, under node) and through
// Authenticate, on the same frozen clock, the same networkless key and the
// same loopback Backend API fake; the two answers must agree on status,
// reason, message, token, token type, the auth fields and the response
// headers. Run it with `make interop`, or:
//
//	cd interop && npm ci && cd ../core && CLERKGUARD_INTEROP=1 go test -run TestInteropAuthenticate -v .

// allowedDivergences are the only answers allowed to differ from Clerk's,
// each with its reason. A case that names one is still run and counted; a
// case that names none must agree exactly.
var allowedDivergences = map[string]string{
	// Clerk's SDK takes X-Forwarded-Host / -Proto through its URL parser:
	// "evil.com/path" becomes the host evil.com, "user@evil.com" a URL with
	// credentials, a "javascript" proto a javascript: URL. clerkguard takes
	// them only when they are a plain host[:port] and http(s) (spec §1.3,
	// issue 4 "hostile values ignored"); otherwise the request's own URL
	// stands, which changes the handshake's redirect_url.
	"hostile-forwarded": "X-Forwarded-Host/-Proto values that are not a plain host[:port] or http(s) are ignored, not parsed leniently",
	// Clerk throws from authenticateRequest (a 500 in its frameworks);
	// Authenticate never fails: the same requests get a signed-out state
	// with reason unexpected-error and the explanation in RequestState.Err.
	"throws": "a request Clerk's SDK throws on is signed out with unexpected-error (Err says why)",
	// Clerk redirects to any URL in __clerk_redirect_url that its URL
	// parser accepts, including non-http schemes; clerkguard answers
	// unexpected-error for anything but an absolute http(s) URL.
	"sync-target-scheme": "a development primary refuses a __clerk_redirect_url that is not an absolute http(s) URL",
	"sync-target-origin": "a development primary follows __clerk_redirect_url (appending the development token) only to its own origin or one in AuthorizedParties; Clerk follows any URL",
	// The Cookie header is parsed up to 32 KiB (cookie bombs); Clerk parses
	// all of it, so a cookie past the cap is seen only by Clerk.
	"cookie-cap": "cookies past the first 32 KiB of the Cookie header are ignored",
	// A version 2 token with an organization and a malformed fea claim:
	// Clerk signs the request in and then throws when the auth object is
	// built (toAuth); clerkguard fails closed with unexpected-error.
	"malformed-claims": "a token whose claims cannot build an auth object is signed out (unexpected-error) instead of throwing later",
}

// divergentAnswer checks our answer in a case with an allowed divergence
// against what the divergence promises; "" when it holds.
func divergentAnswer(div string, c *ioCase, got *ioResult) string {
	location := ""
	for _, h := range got.Headers {
		if strings.EqualFold(h[0], "Location") {
			location = h[1]
		}
	}
	switch div {
	case "throws", "malformed-claims", "sync-target-scheme":
		// Signed out with unexpected-error and the reason in Err; never a
		// signed-in state or a redirect.
		if got.Status != string(clerk.StatusSignedOut) || got.Reason != string(clerk.ReasonUnexpectedError) || got.err == nil || location != "" {
			return fmt.Sprintf("status %s reason %s err %v location %q, want signed-out unexpected-error with Err", got.Status, got.Reason, got.err, location)
		}
	case "sync-target-origin":
		// The development token is never sent to the foreign target the
		// request named in __clerk_redirect_url.
		u, err := url.Parse(c.URL)
		if err != nil {
			return "unparseable case URL " + c.URL
		}
		target, err := url.Parse(u.Query().Get("__clerk_redirect_url"))
		if err != nil || target.Host == "" {
			return ""
		}
		if l, err := url.Parse(location); err == nil && l.Host == target.Host && l.Query().Has("__clerk_db_jwt") {
			return fmt.Sprintf("the development token goes to %q", location)
		}
	case "hostile-forwarded":
		// The hostile value never becomes the request's origin in a redirect.
		for _, bad := range []string{"evil", "javascript:"} {
			if strings.Contains(location, bad) {
				return fmt.Sprintf("Location %q follows the hostile forwarded header", location)
			}
		}
	}
	return ""
}

// ioInstance is one set of options (Clerk's authenticateRequest options).
type ioInstance struct {
	PublishableKey    string     `json:"publishableKey"`
	SecretKey         string     `json:"secretKey"`
	Domain            string     `json:"domain,omitempty"`
	IsSatellite       bool       `json:"isSatellite,omitempty"`
	ProxyURL          string     `json:"proxyUrl,omitempty"`
	SignInURL         string     `json:"signInUrl,omitempty"`
	SatelliteAutoSync bool       `json:"satelliteAutoSync,omitempty"`
	AuthorizedParties []string   `json:"authorizedParties,omitempty"`
	Audience          []string   `json:"audience,omitempty"`
	OrgSync           *ioOrgSync `json:"organizationSyncOptions,omitempty"`

	// For the generator.
	name      string
	dev       bool
	fapi      string // the Frontend API host of the key
	iss       string // the iss of the instance's session tokens
	appOrigin string // where the application runs
	suffix    string
}

type ioOrgSync struct {
	OrganizationPatterns    []string `json:"organizationPatterns,omitempty"`
	PersonalAccountPatterns []string `json:"personalAccountPatterns,omitempty"`
}

// ioCase is one request.
type ioCase struct {
	ID       string      `json:"id"`
	Instance string      `json:"instance"`
	Accepts  any         `json:"accepts,omitempty"` // nil, a type or a list
	Method   string      `json:"method"`
	URL      string      `json:"url"`
	Headers  [][2]string `json:"headers"`

	group      string // for the counts
	divergence string // a key of allowedDivergences, or ""
}

type ioCorpus struct {
	Now       int64                  `json:"now"` // Unix milliseconds
	JWTKey    string                 `json:"jwtKey"`
	APIURL    string                 `json:"apiUrl"`
	Instances map[string]*ioInstance `json:"instances"`
	Cases     []*ioCase              `json:"cases"`
}

// ioResult is one answer, Clerk's (decoded from node) or ours.
type ioResult struct {
	ID              string         `json:"id"`
	Threw           string         `json:"threw"`
	Status          string         `json:"status"`
	Reason          string         `json:"reason"`
	Message         string         `json:"message"`
	TokenType       string         `json:"tokenType"`
	IsAuthenticated bool           `json:"isAuthenticated"`
	Token           string         `json:"token"`
	Headers         [][2]string    `json:"headers"`
	SetCookie       []string       `json:"setCookie"`
	Auth            map[string]any `json:"auth"`
	AuthThrew       string         `json:"authThrew"`

	err error // ours: RequestState.Err
}

func TestInteropAuthenticate(t *testing.T) {
	script := clerk.InteropScript(t, "authenticate.mjs", "backend")
	if s := os.Getenv("CLERKGUARD_INTEROP_SCRIPT"); s != "" {
		script, _ = filepath.Abs(s)
	}

	fake := newFakeBAPI(t)
	g := newCorpusGen(t, fake)
	corpus := g.build()
	if len(corpus.Cases) < 2000 {
		t.Fatalf("corpus has %d cases, want at least 2000", len(corpus.Cases))
	}

	// Clerk first: both sides call the fake, which keeps what each sent.
	var theirs []ioResult
	clerk.RunInterop(t, script, corpus, &theirs, nil)
	if len(theirs) != len(corpus.Cases) {
		t.Fatalf("node answered %d cases, corpus has %d", len(theirs), len(corpus.Cases))
	}

	clients := map[string]*clerk.Client{}
	for name, inst := range corpus.Instances {
		clients[name] = g.client(inst, fake.srv.URL)
	}

	var failures []string
	outcomes := map[string]int{}
	groups := map[string]int{}
	allowed := map[string]int{}
	allowedDiffering := map[string]int{}
	for i, c := range corpus.Cases {
		want := theirs[i]
		if want.ID != c.ID {
			t.Fatalf("result %d is for %q, want %q", i, want.ID, c.ID)
		}
		got := ours(clients[c.Instance], c)
		if want.Threw != "" {
			outcomes["throws: "+want.Threw]++
		} else {
			outcomes[want.Status+" "+want.Reason]++
		}
		diffs, div := compareResults(&want, got)
		diffs = append(diffs, fake.compareCalls(c.ID)...)
		groups[c.group]++
		if div == "" {
			div = c.divergence
		}
		if div != "" {
			if _, ok := allowedDivergences[div]; !ok {
				t.Fatalf("case %s names an unknown divergence %q", c.ID, div)
			}
			allowed[div]++
			if len(diffs) > 0 || div == "throws" || div == "malformed-claims" {
				allowedDiffering[div]++
			}
			// A divergence allows our answer to differ, not to be anything:
			// it must be the answer the divergence names.
			if msg := divergentAnswer(div, c, got); msg != "" {
				failures = append(failures, fmt.Sprintf("%s [%s] allowed divergence %s, but ours is not what it promises: %s", c.ID, c.group, div, msg))
			}
			continue
		}
		if len(diffs) > 0 {
			failures = append(failures, fmt.Sprintf("%s [%s] %s %s %v\n    %s", c.ID, c.group, c.Method, c.URL, c.Headers, strings.Join(diffs, "\n    ")))
		}
	}

	names := make([]string, 0, len(groups))
	for g := range groups {
		names = append(names, g)
	}
	sort.Strings(names)
	var summary strings.Builder
	for _, n := range names {
		fmt.Fprintf(&summary, "  %-28s %5d\n", n, groups[n])
	}
	onames := make([]string, 0, len(outcomes))
	for o := range outcomes {
		onames = append(onames, o)
	}
	sort.Strings(onames)
	summary.WriteString("Clerk's answers:\n")
	for _, o := range onames {
		fmt.Fprintf(&summary, "  %5d %s\n", outcomes[o], o)
	}
	for k, n := range allowed {
		fmt.Fprintf(&summary, "  allowed divergence %-18s %4d cases, %d differing: %s\n", k, n, allowedDiffering[k], allowedDivergences[k])
	}
	t.Logf("compared %d requests with @clerk/backend (%d Backend API calls recorded), %d disagreements\n%s",
		len(corpus.Cases), fake.callCount(), len(failures), summary.String())
	fmt.Printf("interop: compared %d requests with @clerk/backend: %d disagreements\n", len(corpus.Cases), len(failures))
	if len(failures) > 0 {
		max := min(len(failures), 40)
		t.Errorf("%d of %d requests disagree with @clerk/backend; the first %d:\n%s", len(failures), len(corpus.Cases), max, strings.Join(failures[:max], "\n"))
	}
}

// ours runs one case through Authenticate and shapes the answer like node's.
func ours(c *clerk.Client, ic *ioCase) *ioResult {
	r := goRequest(ic)
	var opts []clerk.AuthenticateOption
	switch a := ic.Accepts.(type) {
	case string:
		opts = append(opts, clerk.AcceptsToken(clerk.TokenType(a)))
	case []string:
		types := make([]clerk.TokenType, len(a))
		for i, x := range a {
			types[i] = clerk.TokenType(x)
		}
		opts = append(opts, clerk.AcceptsToken(types...))
	}
	s := c.Authenticate(context.Background(), clerk.NewRequest(r), opts...)
	res := &ioResult{
		ID: ic.ID, Status: string(s.Status), Reason: string(s.Reason), Message: s.Message,
		TokenType: string(s.TokenType), IsAuthenticated: s.IsAuthenticated(), Token: s.Token, err: s.Err,
	}
	for name, values := range s.Headers {
		lname := strings.ToLower(name)
		if lname == "set-cookie" {
			res.SetCookie = append(res.SetCookie, values...)
			continue
		}
		res.Headers = append(res.Headers, [2]string{lname, strings.Join(values, ", ")})
	}
	if s.Status != clerk.StatusHandshake {
		a := s.Auth
		perms := make([]any, len(a.OrgPermissions))
		for i, p := range a.OrgPermissions {
			perms[i] = p
		}
		res.Auth = map[string]any{
			"tokenType": string(a.TokenType), "isAuthenticated": a.IsAuthenticated,
			"userId": a.UserID, "sessionId": a.SessionID, "sessionStatus": a.SessionStatus,
			"orgId": a.OrgID, "orgRole": a.OrgRole, "orgSlug": a.OrgSlug, "orgPermissions": perms,
		}
	}
	return res
}

// goRequest builds the request a Go server would see: the path and query in
// URL, the Host header in Host, TLS for https.
func goRequest(ic *ioCase) *http.Request {
	u, err := url.Parse(ic.URL)
	if err != nil {
		panic(fmt.Sprintf("case %s: %v", ic.ID, err))
	}
	r := &http.Request{
		Method: ic.Method, Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		URL:  &url.URL{Path: u.Path, RawPath: u.RawPath, RawQuery: u.RawQuery},
		Host: u.Host, Header: http.Header{}, RequestURI: u.RequestURI(),
	}
	if u.Scheme == "https" {
		r.TLS = &tls.ConnectionState{}
	}
	for _, h := range ic.Headers {
		if strings.EqualFold(h[0], "host") {
			r.Host = h[1]
			continue
		}
		r.Header.Add(h[0], h[1])
	}
	return r.WithContext(context.Background())
}

// compareResults lists every difference between Clerk's answer and ours.
// A request Clerk's SDK throws on must be signed out with unexpected-error
// and an Err on our side; that is the "throws" divergence.
func compareResults(want, got *ioResult) (diffs []string, divergence string) {
	if want.Threw != "" {
		if got.Status != "signed-out" || got.Reason != "unexpected-error" || got.err == nil {
			return []string{fmt.Sprintf("Clerk threw %q; we answered %s/%s (err %v)", want.Threw, got.Status, got.Reason, got.err)}, ""
		}
		return nil, "throws"
	}
	var d []string
	eq := func(field, w, g string) {
		if w != g {
			d = append(d, fmt.Sprintf("%s: Clerk %q, ours %q", field, w, g))
		}
	}
	eq("status", want.Status, got.Status)
	eq("reason", want.Reason, got.Reason)
	eq("message", want.Message, got.Message)
	eq("tokenType", want.TokenType, got.TokenType)
	eq("token", want.Token, got.Token)
	if want.IsAuthenticated != got.IsAuthenticated {
		d = append(d, fmt.Sprintf("isAuthenticated: Clerk %v, ours %v", want.IsAuthenticated, got.IsAuthenticated))
	}
	d = append(d, compareHeaders(want.Headers, got.Headers)...)
	d = append(d, compareSetCookies(want.SetCookie, got.SetCookie)...)
	switch {
	case want.AuthThrew != "":
		if got.Status == "signed-out" && got.Reason == "unexpected-error" {
			return nil, "malformed-claims"
		}
		d = append(d, fmt.Sprintf("Clerk's toAuth() threw %q", want.AuthThrew))
	case want.Status != "handshake" && got.Status != "handshake":
		for _, f := range []string{"tokenType", "isAuthenticated", "userId", "sessionId", "sessionStatus", "orgId", "orgRole", "orgSlug", "orgPermissions"} {
			w, g := normAuthValue(want.Auth[f]), normAuthValue(got.Auth[f])
			if !reflect.DeepEqual(w, g) {
				d = append(d, fmt.Sprintf("auth.%s: Clerk %v, ours %v", f, w, g))
			}
		}
	}
	return d, ""
}

// normAuthValue maps JavaScript's null/undefined to Go's zero values.
func normAuthValue(v any) any {
	switch x := v.(type) {
	case nil:
		return ""
	case []any:
		if len(x) == 0 {
			return ""
		}
		out := make([]string, len(x))
		for i, e := range x {
			out[i] = fmt.Sprint(e)
		}
		return strings.Join(out, ",")
	case bool:
		return x
	}
	return fmt.Sprint(v)
}

func compareHeaders(want, got [][2]string) []string {
	wm, gm := map[string]string{}, map[string]string{}
	for _, h := range want {
		wm[h[0]] = h[1]
	}
	for _, h := range got {
		gm[h[0]] = h[1]
	}
	var d []string
	names := map[string]bool{}
	for k := range wm {
		names[k] = true
	}
	for k := range gm {
		names[k] = true
	}
	keys := make([]string, 0, len(names))
	for k := range names {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		w, wok := wm[k]
		g, gok := gm[k]
		switch {
		case !wok:
			d = append(d, fmt.Sprintf("header %s: Clerk none, ours %q", k, g))
		case !gok:
			d = append(d, fmt.Sprintf("header %s: Clerk %q, ours none", k, w))
		case k == "location":
			if diff := compareURLs(w, g); diff != "" {
				d = append(d, "location: "+diff)
			}
		case w != g:
			d = append(d, fmt.Sprintf("header %s: Clerk %q, ours %q", k, w, g))
		}
	}
	return d
}

// compareURLs compares two URLs as scheme, host, path and the ordered,
// decoded query parameters.
func compareURLs(w, g string) string {
	wu, err1 := url.Parse(w)
	gu, err2 := url.Parse(g)
	if err1 != nil || err2 != nil {
		if w != g {
			return fmt.Sprintf("Clerk %q, ours %q", w, g)
		}
		return ""
	}
	if !strings.EqualFold(wu.Scheme, gu.Scheme) || !strings.EqualFold(wu.Host, gu.Host) || wu.EscapedPath() != gu.EscapedPath() || wu.Fragment != gu.Fragment {
		return fmt.Sprintf("Clerk %q, ours %q", w, g)
	}
	wq, gq := orderedQuery(wu.RawQuery), orderedQuery(gu.RawQuery)
	if !reflect.DeepEqual(wq, gq) {
		return fmt.Sprintf("query differs:\n      Clerk %q\n      ours  %q", wq, gq)
	}
	return ""
}

func orderedQuery(raw string) [][2]string {
	var q [][2]string
	for _, part := range strings.Split(raw, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		dk, err := url.QueryUnescape(k)
		if err != nil {
			dk = k
		}
		dv, err := url.QueryUnescape(v)
		if err != nil {
			dv = v
		}
		q = append(q, [2]string{dk, dv})
	}
	return q
}

// compareSetCookies compares Set-Cookie headers by name, value and
// attributes (names case-insensitive), in order.
func compareSetCookies(want, got []string) []string {
	norm := func(list []string) []string {
		out := make([]string, len(list))
		for i, c := range list {
			parts := strings.Split(c, ";")
			for j := range parts {
				parts[j] = strings.TrimSpace(parts[j])
				if j > 0 {
					n, v, ok := strings.Cut(parts[j], "=")
					parts[j] = strings.ToLower(n)
					if ok {
						parts[j] += "=" + v
					}
				}
			}
			out[i] = strings.Join(parts, "; ")
		}
		return out
	}
	w, g := norm(want), norm(got)
	if slices.Equal(w, g) {
		return nil
	}
	return []string{fmt.Sprintf("set-cookie:\n      Clerk %q\n      ours  %q", w, g)}
}

// fakeBAPI is the loopback Backend API both SDKs call: handshake payloads
// by nonce, session refresh by session ID, and the machine-token verify
// endpoints (which know no token). It records what each side sent, told
// apart by the User-Agent.
type fakeBAPI struct {
	srv     *httptest.Server
	mu      sync.Mutex
	nonces  map[string]fakeAnswer
	refresh map[string]fakeAnswer
	calls   map[string][]fakeCall // by case ID
	owner   map[string]string     // nonce or session ID -> case ID
	n       int
}

type fakeAnswer struct {
	status      int
	body        string
	contentType string
	hangUp      bool
}

type fakeCall struct {
	side, method, path string
	query              url.Values
	body               map[string]any
}

func newFakeBAPI(t *testing.T) *fakeBAPI {
	f := &fakeBAPI{nonces: map[string]fakeAnswer{}, refresh: map[string]fakeAnswer{},
		calls: map[string][]fakeCall{}, owner: map[string]string{}}
	f.srv = httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(f.srv.Close)
	return f
}

func (f *fakeBAPI) serve(w http.ResponseWriter, r *http.Request) {
	side := "node"
	if strings.HasPrefix(r.UserAgent(), "clerkguard/") {
		side = "go"
	}
	body, _ := io.ReadAll(r.Body)
	call := fakeCall{side: side, method: r.Method, path: r.URL.Path, query: r.URL.Query()}
	if len(body) > 0 {
		_ = json.Unmarshal(body, &call.body)
	}
	var ans fakeAnswer
	var key string
	f.mu.Lock()
	f.n++
	switch {
	case r.Method == http.MethodGet && r.URL.Path == "/v1/clients/handshake_payload":
		key = r.URL.Query().Get("nonce")
		a, ok := f.nonces[key]
		if !ok {
			a = fakeAnswer{status: 404, body: `{"errors":[{"code":"resource_not_found","message":"not found"}]}`}
		}
		ans = a
	case r.Method == http.MethodPost && strings.HasPrefix(r.URL.Path, "/v1/sessions/") && strings.HasSuffix(r.URL.Path, "/refresh"):
		key = strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/v1/sessions/"), "/refresh")
		a, ok := f.refresh[key]
		if !ok {
			a = fakeAnswer{status: 404, body: `{"errors":[{"code":"resource_not_found","message":"not found"}]}`}
		}
		ans = a
	default:
		key = r.URL.Path
		ans = fakeAnswer{status: 404, body: `{"errors":[{"code":"resource_not_found","message":"not found"}]}`}
	}
	if id, ok := f.owner[key]; ok {
		f.calls[id] = append(f.calls[id], call)
	}
	f.mu.Unlock()

	if ans.hangUp {
		if hj, ok := w.(http.Hijacker); ok {
			if conn, _, err := hj.Hijack(); err == nil {
				conn.Close()
				return
			}
		}
	}
	ct := ans.contentType
	if ct == "" {
		ct = "application/json"
	}
	w.Header().Set("Content-Type", ct)
	w.WriteHeader(ans.status)
	_, _ = io.WriteString(w, ans.body)
}

func (f *fakeBAPI) setNonce(nonce string, a fakeAnswer) {
	f.mu.Lock()
	f.nonces[nonce] = a
	f.mu.Unlock()
}

func (f *fakeBAPI) setRefresh(sid string, a fakeAnswer) {
	f.mu.Lock()
	f.refresh[sid] = a
	f.mu.Unlock()
}

// own attributes the calls for key (a nonce or a session ID) to a case.
func (f *fakeBAPI) own(key, caseID string) {
	f.mu.Lock()
	f.owner[key] = caseID
	f.mu.Unlock()
}

func (f *fakeBAPI) callCount() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.n
}

// compareCalls checks that both sides made the same Backend API calls for a
// case (same method, path, query and JSON body).
func (f *fakeBAPI) compareCalls(caseID string) []string {
	f.mu.Lock()
	calls := f.calls[caseID]
	f.mu.Unlock()
	var node, goc []fakeCall
	for _, c := range calls {
		if c.side == "go" {
			goc = append(goc, c)
		} else {
			node = append(node, c)
		}
	}
	if len(node) != len(goc) {
		return []string{fmt.Sprintf("Backend API calls: Clerk %d, ours %d", len(node), len(goc))}
	}
	var d []string
	for i := range node {
		n, g := node[i], goc[i]
		if n.method != g.method || n.path != g.path || !reflect.DeepEqual(n.query, g.query) {
			d = append(d, fmt.Sprintf("Backend API call %d: Clerk %s %s?%s, ours %s %s?%s", i, n.method, n.path, n.query.Encode(), g.method, g.path, g.query.Encode()))
		}
		if !reflect.DeepEqual(n.body, g.body) {
			nb, _ := json.Marshal(n.body)
			gb, _ := json.Marshal(g.body)
			d = append(d, fmt.Sprintf("Backend API call %d body:\n      Clerk %s\n      ours  %s", i, nb, gb))
		}
	}
	return d
}

// client builds the Go client for an instance.
func (g *corpusGen) client(inst *ioInstance, apiURL string) *clerk.Client {
	opts := clerk.Options{
		PublishableKey: inst.PublishableKey, SecretKey: inst.SecretKey, JWTKey: g.key.PublicKeyPEM(),
		APIURL: apiURL, Domain: inst.Domain, IsSatellite: inst.IsSatellite, ProxyURL: inst.ProxyURL,
		SignInURL: inst.SignInURL, SatelliteAutoSync: inst.SatelliteAutoSync,
		AuthorizedParties: inst.AuthorizedParties, Audience: inst.Audience,
		Clock: func() time.Time { return g.now }, MachineTokenCacheTTL: -1,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
	if inst.OrgSync != nil {
		opts.OrganizationSync = &clerk.OrganizationSync{
			OrganizationPatterns:    inst.OrgSync.OrganizationPatterns,
			PersonalAccountPatterns: inst.OrgSync.PersonalAccountPatterns,
		}
	}
	c, err := clerk.New(opts)
	if err != nil {
		g.t.Fatalf("instance %s: %v", inst.name, err)
	}
	return c
}
