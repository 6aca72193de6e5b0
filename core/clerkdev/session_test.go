package clerkdev

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

func TestMintSessionTokenClaims(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	pub := inst.Key().Public()

	t.Run("v2 with organization", func(t *testing.T) {
		t.Parallel()
		tok, err := inst.MintSessionToken("user_alice", WithOrg("acme"))
		if err != nil {
			t.Fatal(err)
		}
		header, c := verifyJWT(t, pub, tok)
		if header["cat"] != clerktest.CategorySession {
			t.Errorf("cat %v", header["cat"])
		}
		o, _ := c["o"].(map[string]any)
		// org:admin: invoices create+read, reports read -> per create,read;
		// fpm invoices=0b11, reports=0b10 (spec §3.1).
		if o["id"] != "org_acme" || o["slg"] != "acme" || o["rol"] != "admin" || o["per"] != "create,read" || o["fpm"] != "3,2" {
			t.Errorf("o = %v", o)
		}
		if c["fea"] != "o:invoices,o:reports,u:dashboard" || c["pla"] != "u:pro,o:pro" {
			t.Errorf("fea %v, pla %v", c["fea"], c["pla"])
		}
		if num(t, c["v"]) != 2 || c["sts"] != "active" || c["iss"] != inst.URL() || c["azp"] != nil {
			t.Errorf("claims %v", c)
		}
		if fva := c["fva"].([]any); num(t, fva[0]) != 0 || num(t, fva[1]) != 0 {
			t.Errorf("fva %v, want [0,0] (Alice has a second factor)", fva)
		}
	})
	t.Run("v2 member of an organization without every feature in permissions", func(t *testing.T) {
		t.Parallel()
		tok, err := inst.MintSessionToken("user_bob", WithOrg("org_acme"))
		if err != nil {
			t.Fatal(err)
		}
		_, c := verifyJWT(t, pub, tok)
		o := c["o"].(map[string]any)
		if o["rol"] != "member" || o["per"] != "read" || o["fpm"] != "1" || c["fea"] != "o:invoices,o:reports" || c["pla"] != "u:free,o:pro" {
			t.Errorf("o %v fea %v pla %v", o, c["fea"], c["pla"])
		}
		if fva := c["fva"].([]any); num(t, fva[1]) != -1 {
			t.Errorf("fva %v, want a -1 second factor", fva)
		}
	})
	t.Run("v1", func(t *testing.T) {
		t.Parallel()
		tok, err := inst.MintSessionToken("user_alice", WithOrg("acme"), WithTokenVersion(1))
		if err != nil {
			t.Fatal(err)
		}
		_, c := verifyJWT(t, pub, tok)
		perms, _ := json.Marshal(c["org_permissions"])
		if c["org_id"] != "org_acme" || c["org_slug"] != "acme" || c["org_role"] != "org:admin" ||
			string(perms) != `["org:invoices:create","org:invoices:read","org:reports:read"]` {
			t.Errorf("v1 organization claims %v", c)
		}
		for _, absent := range []string{"v", "o", "fea", "pla", "sts"} {
			if _, ok := c[absent]; ok {
				t.Errorf("v1 token has %q", absent)
			}
		}
	})
	t.Run("options", func(t *testing.T) {
		t.Parallel()
		tok, err := inst.MintSessionToken("user_carol", WithPending(), WithLifetime(-time.Minute),
			WithFactorAge(5, -1), WithAuthorizedParty("http://localhost:3000"),
			WithClaim("act", map[string]any{"sub": "user_admin"}), WithClaim("custom", "x"))
		if err != nil {
			t.Fatal(err)
		}
		_, c := verifyJWT(t, pub, tok)
		if c["sts"] != "pending" || c["azp"] != "http://localhost:3000" || c["custom"] != "x" ||
			c["act"].(map[string]any)["sub"] != "user_admin" {
			t.Errorf("claims %v", c)
		}
		if num(t, c["exp"]) >= time.Now().Unix() {
			t.Error("WithLifetime(-1m) did not mint an expired token")
		}
		if fva := c["fva"].([]any); num(t, fva[0]) != 5 || num(t, fva[1]) != -1 {
			t.Errorf("fva %v", fva)
		}
		if _, ok := c["fea"]; ok {
			t.Errorf("Carol has no features, got fea %v", c["fea"])
		}
		v1, _ := inst.MintSessionToken("user_carol", WithPending(), WithTokenVersion(1))
		if _, c := verifyJWT(t, pub, v1); c["sts"] != "pending" {
			t.Errorf("pending v1 token: sts %v", c["sts"])
		}
	})
	t.Run("errors", func(t *testing.T) {
		t.Parallel()
		for name, f := range map[string]func() error{
			"unknown user":   func() error { _, err := inst.MintSessionToken("user_nobody"); return err },
			"not a member":   func() error { _, err := inst.MintSessionToken("user_bob", WithOrg("globex")); return err },
			"unknown org":    func() error { _, err := inst.MintSessionToken("user_alice", WithOrg("initech")); return err },
			"bad version":    func() error { _, err := inst.MintSessionToken("user_alice", WithTokenVersion(3)); return err },
			"unknown ending": func() error { return inst.EndSession("sess_nope") },
		} {
			if err := f(); err == nil || !strings.HasPrefix(err.Error(), "clerkdev: ") {
				t.Errorf("%s: error %v", name, err)
			}
		}
	})
}

func TestSessionCookies(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	s, err := inst.CreateSession("user_alice", WithOrg("globex"))
	if err != nil {
		t.Fatal(err)
	}
	if s.OrgID != "org_globex" || s.UserID != "user_alice" || !strings.HasPrefix(s.DevBrowser, "dvb_") || s.ClientUAT == 0 || s.RefreshToken == "" {
		t.Errorf("session %+v", s)
	}
	names := func(cs []*http.Cookie) []string {
		var out []string
		for _, c := range cs {
			out = append(out, c.Name+"="+c.Value)
		}
		return out
	}
	sfx := inst.CookieSuffix()
	uat := strings.TrimSpace(strings.Split(names(s.Cookies(false))[1], "=")[1])
	want := []string{"__session=" + s.Token, "__client_uat=" + uat, "__clerk_db_jwt=" + s.DevBrowser, "__refresh_" + sfx + "=" + s.RefreshToken}
	if got := names(s.Cookies(false)); !slices.Equal(got, want) {
		t.Errorf("Cookies(false) = %q\nwant %q", got, want)
	}
	if got := s.Cookies(true); len(got) != 7 || got[1].Name != "__session_"+sfx || got[1].Value != s.Token {
		t.Errorf("Cookies(true) = %q", names(got))
	}
}

// refreshBody is what clerkguard and Clerk's SDK send (spec §1.9).
func refreshBody(expired, refresh string) map[string]any {
	return map[string]any{
		"format":          "cookie",
		"expired_token":   expired,
		"refresh_token":   refresh,
		"request_origin":  "http://localhost:3000",
		"request_headers": map[string][]string{"accept": {"text/html"}},
	}
}

func TestRefresh(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	pub := inst.Key().Public()
	s, err := inst.CreateSession("user_alice", WithOrg("acme"), WithLifetime(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	refreshURL := inst.URL() + "/v1/sessions/" + s.ID + "/refresh"

	t.Run("cookies", func(t *testing.T) {
		resp, data := call(t, nil, "POST", refreshURL, inst.SecretKey(), refreshBody(s.Token, s.RefreshToken))
		if resp.StatusCode != 200 {
			t.Fatalf("status %d %s", resp.StatusCode, data)
		}
		var out struct {
			Object  string   `json:"object"`
			Cookies []string `json:"cookies"`
		}
		if err := json.Unmarshal(data, &out); err != nil || out.Object != "cookies" || len(out.Cookies) != 1 {
			t.Fatalf("answer %s", data)
		}
		d := parseDirectives(t, out.Cookies)["__session"]
		if d.attrs != "Path=/; SameSite=Lax" {
			t.Errorf("attributes %q", d.attrs)
		}
		_, c := verifyJWT(t, pub, d.value)
		if c["sid"] != s.ID || c["azp"] != "http://localhost:3000" || num(t, c["exp"]) <= time.Now().Unix() ||
			c["o"].(map[string]any)["id"] != "org_acme" {
			t.Errorf("refreshed claims %v", c)
		}
	})
	t.Run("suffixed", func(t *testing.T) {
		resp, data := call(t, nil, "POST", refreshURL+"?suffixed_cookies=true", inst.SecretKey(), refreshBody(s.Token, s.RefreshToken))
		got := parseDirectives(t, decodeCookies(t, resp, data))
		if len(got) != 2 || got["__session_"+inst.CookieSuffix()].value != got["__session"].value {
			t.Errorf("suffixed refresh: %v", got)
		}
	})
	t.Run("token format", func(t *testing.T) {
		body := refreshBody(s.Token, s.RefreshToken)
		body["format"] = "token"
		resp, data := call(t, nil, "POST", refreshURL, inst.SecretKey(), body)
		m := decodeJSON(t, data)
		if resp.StatusCode != 200 || m["object"] != "token" {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
		verifyJWT(t, pub, m["jwt"].(string))
	})

	other, err := inst.CreateSession("user_bob", WithLifetime(-time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	foreign := clerktest.MustNewKey().MustSign(clerktest.SessionV2("user_alice", s.ID, time.Now()))
	template, err := inst.sessionTokenFor(s.ID, &Template{}, 0, "")
	if err != nil {
		t.Fatal(err)
	}
	badFormat := refreshBody(s.Token, s.RefreshToken)
	badFormat["format"] = "xml"
	tests := map[string]struct {
		url, key string
		body     any
		status   int
		code     string
	}{
		"wrong secret key":        {refreshURL, "sk_test_nope", refreshBody(s.Token, s.RefreshToken), 401, "clerk_key_invalid"},
		"unknown session":         {inst.URL() + "/v1/sessions/sess_nope/refresh", inst.SecretKey(), refreshBody(s.Token, s.RefreshToken), 404, "resource_not_found"},
		"wrong refresh token":     {refreshURL, inst.SecretKey(), refreshBody(s.Token, other.RefreshToken), 400, "refresh_token_invalid"},
		"token of another sid":    {refreshURL, inst.SecretKey(), refreshBody(other.Token, s.RefreshToken), 400, "expired_token_invalid"},
		"token of another key":    {refreshURL, inst.SecretKey(), refreshBody(foreign, s.RefreshToken), 400, "expired_token_invalid"},
		"template token":          {refreshURL, inst.SecretKey(), refreshBody(template, s.RefreshToken), 400, "expired_token_invalid"},
		"garbage token":           {refreshURL, inst.SecretKey(), refreshBody("a.b.c", s.RefreshToken), 400, "expired_token_invalid"},
		"no token":                {refreshURL, inst.SecretKey(), map[string]any{}, 400, "expired_token_invalid"},
		"invalid JSON":            {refreshURL, inst.SecretKey(), `{"format":`, 400, "malformed_request"},
		"unknown format":          {refreshURL, inst.SecretKey(), badFormat, 422, "form_param_value_invalid"},
		"refresh token as string": {refreshURL, inst.SecretKey(), `{"refresh_token": 12}`, 400, "malformed_request"},
	}
	for name, tc := range tests {
		t.Run(name, func(t *testing.T) {
			resp, data := call(t, nil, "POST", tc.url, tc.key, tc.body)
			wantClerkError(t, resp, data, tc.status, tc.code)
		})
	}

	t.Run("ended session", func(t *testing.T) {
		if err := inst.EndSession(other.ID); err != nil {
			t.Fatal(err)
		}
		resp, data := call(t, nil, "POST", inst.URL()+"/v1/sessions/"+other.ID+"/refresh", inst.SecretKey(), refreshBody(other.Token, other.RefreshToken))
		wantClerkError(t, resp, data, http.StatusUnauthorized, "signed_out")
	})
}

func decodeCookies(t *testing.T, resp *http.Response, data []byte) []string {
	t.Helper()
	if resp.StatusCode != 200 {
		t.Fatalf("status %d %s", resp.StatusCode, data)
	}
	var out struct {
		Cookies []string `json:"cookies"`
	}
	if err := json.Unmarshal(data, &out); err != nil {
		t.Fatal(err)
	}
	return out.Cookies
}

func TestSessionTokensAndTemplates(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{Templates: map[string]Template{
		"example": DefaultConfig().Templates["example"],
		"long": {Lifetime: time.Hour, Claims: map[string]any{
			"nested": map[string]any{"uid": "{{user.id}}", "list": []any{"{{org.role}}", "{{session.id}}", 7}},
			"name":   "{{user.first_name}} {{user.last_name}}", // not a whole shortcode: kept verbatim
		}},
	}})
	pub := inst.Key().Public()
	s, err := inst.CreateSession("user_alice", WithOrg("acme"), WithAuthorizedParty("http://localhost:3000"))
	if err != nil {
		t.Fatal(err)
	}
	base := inst.URL() + "/v1/sessions/" + s.ID + "/tokens"
	jwt := func(t *testing.T, url string, body any) (map[string]any, map[string]any) {
		t.Helper()
		resp, data := call(t, nil, "POST", url, inst.SecretKey(), body)
		m := decodeJSON(t, data)
		if resp.StatusCode != 200 || m["object"] != "token" || len(m) != 2 {
			t.Fatalf("%d %s", resp.StatusCode, data)
		}
		return verifyJWT(t, pub, m["jwt"].(string))
	}

	h, c := jwt(t, base, nil)
	if h["cat"] != clerktest.CategorySession || c["sid"] != s.ID || c["azp"] != "http://localhost:3000" || num(t, c["exp"])-num(t, c["iat"]) != 60 {
		t.Errorf("session token %v %v", h, c)
	}
	_, c = jwt(t, base, map[string]any{"expires_in_seconds": 300})
	if num(t, c["exp"])-num(t, c["iat"]) != 300 {
		t.Errorf("expires_in_seconds ignored: %v", c)
	}
	h, c = jwt(t, base+"/example", map[string]any{})
	if h["cat"] != clerktest.CategoryTemplate || c["aud"] != "example" || c["email"] != "alice@example.com" || c["org"] != "acme" ||
		c["sub"] != "user_alice" || c["iss"] != inst.URL() || c["jti"] == nil || c["sid"] != nil || num(t, c["exp"])-num(t, c["iat"]) != 60 {
		t.Errorf("template token %v %v", h, c)
	}
	_, c = jwt(t, base+"/long", nil)
	nested, _ := json.Marshal(c["nested"])
	if num(t, c["exp"])-num(t, c["iat"]) != 3600 || string(nested) != `{"list":["org:admin","`+s.ID+`",7],"uid":"user_alice"}` ||
		c["name"] != "{{user.first_name}} {{user.last_name}}" {
		t.Errorf("long template %v", c)
	}
	personal, _ := inst.CreateSession("user_carol")
	_, c = jwt(t, inst.URL()+"/v1/sessions/"+personal.ID+"/tokens/example", nil)
	if v, ok := c["org"]; !ok || v != nil {
		t.Errorf("org shortcode without an organization: %v (present %v), want null", v, ok)
	}

	for name, tc := range map[string]struct {
		url, key string
		body     any
		status   int
		code     string
	}{
		"unknown template":  {base + "/nope", inst.SecretKey(), nil, 404, "resource_not_found"},
		"unknown session":   {inst.URL() + "/v1/sessions/sess_nope/tokens", inst.SecretKey(), nil, 404, "resource_not_found"},
		"zero lifetime":     {base, inst.SecretKey(), map[string]any{"expires_in_seconds": 0}, 422, "form_param_value_invalid"},
		"fraction lifetime": {base, inst.SecretKey(), map[string]any{"expires_in_seconds": 1.5}, 422, "form_param_value_invalid"},
		"string lifetime":   {base, inst.SecretKey(), `{"expires_in_seconds":"60"}`, 400, "malformed_request"},
		"no secret key":     {base, "", nil, 401, "clerk_key_invalid"},
	} {
		t.Run(name, func(t *testing.T) {
			resp, data := call(t, nil, "POST", tc.url, tc.key, tc.body)
			wantClerkError(t, resp, data, tc.status, tc.code)
		})
	}
}

func TestUserAndOrganizationObjects(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	resp, data := call(t, nil, "GET", inst.URL()+"/v1/users/user_alice", inst.SecretKey(), nil)
	u := decodeJSON(t, data)
	if resp.StatusCode != 200 || u["object"] != "user" || u["first_name"] != "Alice" || u["two_factor_enabled"] != true ||
		u["email_addresses"].([]any)[0].(map[string]any)["email_address"] != "alice@example.com" {
		t.Errorf("user %s", data)
	}
	for _, ref := range []string{"org_acme", "acme"} {
		resp, data := call(t, nil, "GET", inst.URL()+"/v1/organizations/"+ref+"?include_members_count=true", inst.SecretKey(), nil)
		o := decodeJSON(t, data)
		if resp.StatusCode != 200 || o["object"] != "organization" || o["id"] != "org_acme" || o["slug"] != "acme" || o["members_count"] != 2.0 {
			t.Errorf("organization %s: %s", ref, data)
		}
	}
	resp, data = call(t, nil, "GET", inst.URL()+"/v1/organizations/initech", inst.SecretKey(), nil)
	wantClerkError(t, resp, data, 404, "resource_not_found")
	resp, data = call(t, nil, "GET", inst.URL()+"/v1/users/user_alice", "", nil)
	wantClerkError(t, resp, data, 401, "clerk_key_invalid")
}
