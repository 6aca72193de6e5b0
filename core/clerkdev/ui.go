package clerkdev

import (
	"bytes"
	"html/template"
	"net/http"
	"strings"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// The pages are plain server-rendered HTML: forms and links, no scripts.
// Every control has a stable id and data-testid for browser tests:
//
//	sign-in-<user id>       the "Sign in as ..." button of a user
//	sign-up-first-name, sign-up-last-name, sign-up-email, sign-up-submit
//	switch-org-<org id>     the organization switcher's buttons
//	switch-personal         the personal-account button
//	sign-out                the sign-out button
//	current-user            the "Signed in as ..." line
const layoutHTML = `{{define "layout"}}<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}} · clerkguard development instance</title>
<style>
body{font-family:system-ui,sans-serif;max-width:42rem;margin:2rem auto;padding:0 1rem;color:#1a1a2e;line-height:1.5}
header{border-bottom:1px solid #ddd;margin-bottom:1.5rem;padding-bottom:.5rem}
nav a{margin-right:1rem}
.badge{background:#fff3cd;border:1px solid #e0c36a;border-radius:4px;padding:0 .4rem;font-size:.8rem}
.error{background:#fde2e1;border:1px solid #e0a3a0;padding:.5rem;border-radius:4px}
ul.list{list-style:none;padding:0}
ul.list li{display:flex;justify-content:space-between;align-items:center;border:1px solid #ddd;border-radius:6px;padding:.6rem .8rem;margin:.5rem 0}
small{color:#555}
button{font:inherit;padding:.3rem .8rem;cursor:pointer}
label{display:block;margin:.5rem 0}
code{background:#f4f4f8;padding:0 .2rem;word-break:break-all}
</style>
</head>
<body>
<header>
<strong>clerkguard development instance</strong> <span class="badge">development and tests only</span>
<nav>
<a href="/">Home</a>
<a id="nav-sign-in" href="/sign-in{{with .RedirectURL}}?redirect_url={{.}}{{end}}">Sign in</a>
<a id="nav-sign-up" href="/sign-up{{with .RedirectURL}}?redirect_url={{.}}{{end}}">Sign up</a>
<a id="nav-organizations" href="/organizations{{with .RedirectURL}}?redirect_url={{.}}{{end}}">Organizations</a>
<a id="nav-sign-out" href="/sign-out{{with .RedirectURL}}?redirect_url={{.}}{{end}}">Sign out</a>
</nav>
</header>
<main>
<h1>{{.Title}}</h1>
{{with .Current}}<p id="current-user" data-testid="current-user">Signed in as <strong>{{.Name}}</strong> <small>{{.ID}}</small>{{if .OrgID}} in <strong>{{.OrgName}}</strong> as {{.OrgRole}}{{else}} on the personal account{{end}}</p>
{{else}}<p id="current-user" data-testid="current-user">Signed out</p>
{{end}}{{with .Error}}<p class="error" role="alert">{{.}}</p>
{{end}}{{template "content" .}}
</main>
</body>
</html>
{{end}}`

const homeHTML = `{{define "content"}}
<p>An offline, Clerk-compatible instance on loopback. Point an application at it with these settings
(<code>clerk.Options</code> field names):</p>
<ul>
<li>PublishableKey: <code id="publishable-key">{{.PublishableKey}}</code></li>
<li>APIURL and ProxyURL: <code>{{.Instance}}</code></li>
<li>SignInURL: <code>{{.Instance}}/sign-in</code>, SignUpURL: <code>{{.Instance}}/sign-up</code></li>
<li>SecretKey: from <code>Instance.SecretKey()</code> (not shown here)</li>
</ul>
<p>Keys: <a href="/.well-known/jwks.json">/.well-known/jwks.json</a></p>
{{end}}`

const signInHTML = `{{define "content"}}
<p>Choose a demo user.{{if .RedirectURL}} You will be sent back to <code>{{.RedirectURL}}</code>.{{end}}</p>
<ul class="list">
{{range .Users}}<li>
<span><strong>{{.Name}}</strong> <small>{{.ID}}{{with .Email}} · {{.}}{{end}}{{with .Orgs}} · {{.}}{{end}}</small></span>
<form method="post" action="/sign-in">
<input type="hidden" name="user_id" value="{{.ID}}">
<input type="hidden" name="redirect_url" value="{{$.RedirectURL}}">
<button type="submit" id="sign-in-{{.ID}}" data-testid="sign-in-{{.ID}}">Sign in as {{.FirstName}}</button>
</form>
</li>
{{end}}</ul>
<p>No account? <a id="sign-up-link" href="/sign-up{{with .RedirectURL}}?redirect_url={{.}}{{end}}">Sign up</a></p>
{{end}}`

const signUpHTML = `{{define "content"}}
<form method="post" action="/sign-up">
<input type="hidden" name="redirect_url" value="{{.RedirectURL}}">
<label>First name <input name="first_name" id="sign-up-first-name" data-testid="sign-up-first-name" required maxlength="100"></label>
<label>Last name <input name="last_name" id="sign-up-last-name" data-testid="sign-up-last-name" maxlength="100"></label>
<label>Email <input name="email" type="email" id="sign-up-email" data-testid="sign-up-email" maxlength="200"></label>
<button type="submit" id="sign-up-submit" data-testid="sign-up-submit">Sign up</button>
</form>
{{end}}`

const organizationsHTML = `{{define "content"}}
{{if .Current}}
<ul class="list">
<li><span><strong>Personal account</strong>{{if not .Current.OrgID}} <small>(active)</small>{{end}}</span>
<form method="post" action="/organizations">
<input type="hidden" name="org_id" value="">
<input type="hidden" name="redirect_url" value="{{.RedirectURL}}">
<button type="submit" id="switch-personal" data-testid="switch-personal">Use personal account</button>
</form></li>
{{range .Orgs}}<li><span><strong>{{.Name}}</strong> <small>{{.ID}} · {{.Slug}} · {{.Role}}</small>{{if .Active}} <small>(active)</small>{{end}}</span>
<form method="post" action="/organizations">
<input type="hidden" name="org_id" value="{{.ID}}">
<input type="hidden" name="redirect_url" value="{{$.RedirectURL}}">
<button type="submit" id="switch-org-{{.ID}}" data-testid="switch-org-{{.ID}}">Switch to {{.Name}}</button>
</form></li>
{{end}}</ul>
{{else}}<p><a href="/sign-in{{with .RedirectURL}}?redirect_url={{.}}{{end}}">Sign in</a> to choose an organization.</p>
{{end}}{{end}}`

const signOutHTML = `{{define "content"}}
<form method="post" action="/sign-out">
<input type="hidden" name="redirect_url" value="{{.RedirectURL}}">
<button type="submit" id="sign-out" data-testid="sign-out">Sign out</button>
</form>
{{end}}`

// pages holds the parsed pages. It is written once, at package
// initialisation, and only read afterwards.
var pages = func() map[string]*template.Template {
	base := template.Must(template.New("layout").Parse(layoutHTML))
	out := map[string]*template.Template{}
	for name, body := range map[string]string{
		"home": homeHTML, "sign-in": signInHTML, "sign-up": signUpHTML,
		"organizations": organizationsHTML, "sign-out": signOutHTML,
	} {
		out[name] = template.Must(template.Must(base.Clone()).Parse(body))
	}
	return out
}()

type pageData struct {
	Title          string
	Instance       string
	PublishableKey string
	RedirectURL    string
	Error          string
	Current        *currentView
	Users          []userView
	Orgs           []orgView
}

type currentView struct {
	ID, Name, SessionID     string
	OrgID, OrgName, OrgRole string
}

type userView struct {
	ID, Name, FirstName, Email, Orgs string
}

type orgView struct {
	ID, Slug, Name, Role string
	Active               bool
}

// page collects what every page shows: the signed-in user of the browser's
// client and the validated redirect_url. A present but invalid redirect_url
// is reported as an error and dropped.
func (i *Instance) page(r *http.Request, title string) pageData {
	d := pageData{Title: title, Instance: i.url, PublishableKey: i.pk}
	if raw := r.FormValue("redirect_url"); raw != "" {
		if u, err := validateRedirectURL(raw); err == nil {
			d.RedirectURL = u.String()
		} else {
			d.Error = "Ignoring redirect_url: only http(s) URLs on a loopback host are allowed."
		}
	}
	i.mu.Lock()
	defer i.mu.Unlock()
	var c *client
	if ck, err := r.Cookie(i.clientCookieName()); err == nil {
		c = i.state.clients[ck.Value]
	}
	if sess := i.state.activeSession(c); sess != nil {
		u := i.state.users[sess.userID]
		cur := &currentView{ID: u.ID, Name: u.Name(), SessionID: sess.id}
		if o, role, ok := i.state.membership(sess.userID, sess.orgID); ok {
			cur.OrgID, cur.OrgName, cur.OrgRole = o.ID, o.Name, role
		}
		d.Current = cur
		for _, oid := range i.state.orgOrder {
			if role, ok := i.state.members[u.ID][oid]; ok {
				o := i.state.orgs[oid]
				d.Orgs = append(d.Orgs, orgView{ID: o.ID, Slug: o.Slug, Name: o.Name, Role: role, Active: o.ID == sess.orgID})
			}
		}
	}
	for _, id := range i.state.userOrder {
		u := i.state.users[id]
		var orgs []string
		for _, oid := range i.state.orgOrder {
			if role, ok := i.state.members[id][oid]; ok {
				orgs = append(orgs, i.state.orgs[oid].Slug+" ("+strings.TrimPrefix(role, "org:")+")")
			}
		}
		first := u.FirstName
		if first == "" {
			first = u.Name()
		}
		d.Users = append(d.Users, userView{ID: u.ID, Name: u.Name(), FirstName: first, Email: u.Email, Orgs: strings.Join(orgs, ", ")})
	}
	return d
}

func (i *Instance) render(w http.ResponseWriter, status int, name string, d pageData) {
	var buf bytes.Buffer
	if err := pages[name].ExecuteTemplate(&buf, "layout", d); err != nil {
		http.Error(w, "clerkdev: rendering the page failed", http.StatusInternalServerError)
		return
	}
	h := w.Header()
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Frame-Options", "DENY")
	h.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; base-uri 'none'; frame-ancestors 'none'")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (i *Instance) serveHome(w http.ResponseWriter, r *http.Request) {
	i.render(w, http.StatusOK, "home", i.page(r, "Development instance"))
}

// serveSignIn shows the demo users. When the application sent the
// browser's dev-browser token (__clerk_db_jwt) and the browser has no
// instance cookie yet, the page adopts that client, so that signing in
// signs in the browser the application already knows.
func (i *Instance) serveSignIn(w http.ResponseWriter, r *http.Request) {
	if db := r.URL.Query().Get("__clerk_db_jwt"); db != "" {
		if _, err := r.Cookie(i.clientCookieName()); err != nil {
			i.mu.Lock()
			id, ok := i.state.devBrowsers[db]
			c := i.state.clients[id]
			i.mu.Unlock()
			if ok && c != nil {
				i.setClientCookie(w, c)
			}
		}
	}
	i.render(w, http.StatusOK, "sign-in", i.page(r, "Sign in"))
}

// serveSignInPost signs the chosen user in on the browser's client and
// sends the browser through the handshake back to redirect_url.
func (i *Instance) serveSignInPost(w http.ResponseWriter, r *http.Request) {
	userID := r.PostFormValue("user_id")
	i.mu.Lock()
	_, ok := i.state.users[userID]
	i.mu.Unlock()
	if !ok {
		d := i.page(r, "Sign in")
		d.Error = "Unknown user."
		i.render(w, http.StatusBadRequest, "sign-in", d)
		return
	}
	i.signInAndReturn(w, r, userID)
}

func (i *Instance) signInAndReturn(w http.ResponseWriter, r *http.Request, userID string) {
	now := i.now()
	i.mu.Lock()
	c := i.clientLocked(r, "")
	i.newSessionLocked(c, userID, "", now)
	i.mu.Unlock()
	i.setClientCookie(w, c)
	i.returnToApp(w, r, c, "/")
}

// returnToApp sends the browser back to the application's redirect_url
// through the handshake, so that the application receives the client's new
// cookies; without a valid redirect_url it goes to fallback on the instance.
func (i *Instance) returnToApp(w http.ResponseWriter, r *http.Request, c *client, fallback string) {
	target, err := validateRedirectURL(r.PostFormValue("redirect_url"))
	if err != nil {
		http.Redirect(w, r, fallback, http.StatusSeeOther)
		return
	}
	// Both cookie forms: the application picks whichever its cookie
	// selection prefers (spec §1.4).
	i.redirectWithDirectives(w, r, c.id, target, true, nil, "nonce", http.StatusSeeOther)
}

func (i *Instance) serveSignUp(w http.ResponseWriter, r *http.Request) {
	i.render(w, http.StatusOK, "sign-up", i.page(r, "Sign up"))
}

// serveSignUpPost creates a user and signs them in.
func (i *Instance) serveSignUpPost(w http.ResponseWriter, r *http.Request) {
	first := strings.TrimSpace(r.PostFormValue("first_name"))
	last := strings.TrimSpace(r.PostFormValue("last_name"))
	email := strings.TrimSpace(r.PostFormValue("email"))
	if first == "" || len(first) > 100 || len(last) > 100 || len(email) > 200 {
		d := i.page(r, "Sign up")
		d.Error = "A first name (up to 100 characters) is required."
		i.render(w, http.StatusBadRequest, "sign-up", d)
		return
	}
	u := User{ID: clerktest.NewID("user_"), FirstName: first, LastName: last, Email: email}
	i.mu.Lock()
	i.state.addUser(u)
	i.mu.Unlock()
	i.signInAndReturn(w, r, u.ID)
}

func (i *Instance) serveOrganizations(w http.ResponseWriter, r *http.Request) {
	i.render(w, http.StatusOK, "organizations", i.page(r, "Organizations"))
}

// serveOrganizationsPost switches the active organization ("" for the
// personal account) and returns to the application.
func (i *Instance) serveOrganizationsPost(w http.ResponseWriter, r *http.Request) {
	now := i.now()
	ref := r.PostFormValue("org_id")
	i.mu.Lock()
	var c *client
	if ck, err := r.Cookie(i.clientCookieName()); err == nil {
		c = i.state.clients[ck.Value]
	}
	sess := i.state.activeSession(c)
	ok := sess != nil
	if ok && ref != "" {
		_, _, ok = i.state.membership(sess.userID, ref)
	}
	if ok {
		i.switchOrgLocked(c, sess, ref, now)
	}
	i.mu.Unlock()
	if !ok {
		d := i.page(r, "Organizations")
		d.Error = "Sign in first, and choose an organization you are a member of."
		i.render(w, http.StatusBadRequest, "organizations", d)
		return
	}
	i.returnToApp(w, r, c, "/organizations")
}

func (i *Instance) serveSignOut(w http.ResponseWriter, r *http.Request) {
	i.render(w, http.StatusOK, "sign-out", i.page(r, "Sign out"))
}

// serveSignOutPost ends the client's session; the handshake back to the
// application clears its cookies (__client_uat=0, __session deleted).
func (i *Instance) serveSignOutPost(w http.ResponseWriter, r *http.Request) {
	i.mu.Lock()
	var c *client
	if ck, err := r.Cookie(i.clientCookieName()); err == nil {
		c = i.state.clients[ck.Value]
	}
	if sess := i.state.activeSession(c); sess != nil {
		i.endSessionLocked(sess)
	}
	i.mu.Unlock()
	if c == nil {
		http.Redirect(w, r, "/sign-in", http.StatusSeeOther)
		return
	}
	i.returnToApp(w, r, c, "/sign-in")
}
