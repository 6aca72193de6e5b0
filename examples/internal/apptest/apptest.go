// Package apptest holds the route test every example app shares.
package apptest

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/clerkguard/clerkguard/core/clerkdev"
	"github.com/clerkguard/clerkguard/examples/internal/demo"
)

// Routes checks that an example app's routes answer as the examples'
// banner and README promise, for each kind of caller (curl with a token, a
// browser without a session). Every example app has the same routes.
func Routes(t *testing.T, newApp func(*demo.Setup) http.Handler) {
	t.Helper()
	setup, err := demo.NewDev()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(setup.Close)
	h := newApp(setup)

	token := func(user string) string {
		tok, err := setup.Dev.MintSessionToken(user, clerkdev.WithOrg("acme"))
		if err != nil {
			t.Fatal(err)
		}
		return tok
	}
	alice, bob := token("user_alice"), token("user_bob")
	key, err := setup.Dev.CreateAPIKey("user_alice", "test key", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}
	m2m, err := setup.Dev.CreateM2MToken("mch_test", []string{"read"})
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name, path, bearer string
		browser            bool // a document navigation (Sec-Fetch-Dest: document)
		status             int
		location           string // prefix of the redirect, if any
		body               string // substring of the answer
	}{
		{name: "public API, anonymous", path: "/api/public", status: 200, body: `"public":true`},
		{name: "signed-in API, anonymous", path: "/api/me", status: 404},
		{name: "signed-in API, Alice", path: "/api/me", bearer: alice, status: 200, body: `"userId":"user_alice"`},
		{name: "role API, Alice (org:admin)", path: "/api/admin", bearer: alice, status: 200},
		{name: "role API, Bob (org:member)", path: "/api/admin", bearer: bob, status: 404},
		{name: "permission API, Alice (org:invoices:create)", path: "/api/invoices", bearer: alice, status: 200, body: `"org:invoices:create"`},
		{name: "permission API, Bob (without it)", path: "/api/invoices", bearer: bob, status: 404},
		{name: "org-scoped API, Bob", path: "/api/orgs/acme/me", bearer: bob, status: 200, body: `"orgSlug":"acme"`},
		{name: "machine API, API key", path: "/api/machine", bearer: key.Token, status: 200, body: `"tokenType":"api_key"`},
		{name: "machine API, M2M token", path: "/api/machine", bearer: m2m.Token, status: 200, body: `"tokenType":"m2m_token"`},
		{name: "machine API, session token", path: "/api/machine", bearer: alice, status: 401},
		{name: "public page, anonymous", path: "/", status: 200, body: `data-testid="who">Signed out.`},
		{name: "dashboard page, Alice", path: "/dashboard", bearer: alice, status: 200, body: `data-testid="user-id">user_alice`},
		{name: "dashboard page, curl without a session", path: "/dashboard", status: 404},
		{name: "dashboard page, new browser: Clerk's handshake first", path: "/dashboard", browser: true, status: 307,
			location: setup.Dev.URL() + "/v1/client/handshake?"},
		{name: "admin page, Bob", path: "/admin", bearer: bob, status: 404},
		{name: "admin page, Alice", path: "/admin", bearer: alice, status: 200, body: "Admin area"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1:8080"+tt.path, nil)
			if tt.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			if tt.browser {
				req.Header.Set("Accept", "text/html")
				req.Header.Set("Sec-Fetch-Dest", "document")
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, req)
			if rec.Code != tt.status {
				t.Fatalf("GET %s = %d, want %d; body %.300s", tt.path, rec.Code, tt.status, rec.Body)
			}
			if loc := rec.Header().Get("Location"); !strings.HasPrefix(loc, tt.location) || (tt.location == "") != (loc == "") {
				t.Errorf("Location = %q, want prefix %q", loc, tt.location)
			}
			if !strings.Contains(rec.Body.String(), tt.body) {
				t.Errorf("body %.300s lacks %q", rec.Body, tt.body)
			}
			if strings.HasPrefix(tt.path, "/api/") && tt.status == 200 && !json.Valid(rec.Body.Bytes()) {
				t.Errorf("body is not JSON: %.300s", rec.Body)
			}
		})
	}
}
