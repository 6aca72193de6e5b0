package clerkdev

import (
	"encoding/base64"
	"net"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

func TestStartServesOnLoopbackWithDevelopmentKeys(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})

	host, port, err := net.SplitHostPort(strings.TrimPrefix(inst.URL(), "http://"))
	if err != nil || host != "127.0.0.1" || port == "0" {
		t.Fatalf("URL %q is not http://127.0.0.1:<port>", inst.URL())
	}
	pk := inst.PublishableKey()
	enc, ok := strings.CutPrefix(pk, "pk_test_")
	if !ok {
		t.Fatalf("publishable key %q is not a development key", pk)
	}
	decoded, err := base64.RawStdEncoding.DecodeString(enc)
	if err != nil || string(decoded) != host+":"+port+"$" {
		t.Errorf("publishable key decodes to %q (%v), want %q", decoded, err, host+":"+port+"$")
	}
	if !regexp.MustCompile(`^sk_test_[0-9A-Za-z]{40}$`).MatchString(inst.SecretKey()) {
		t.Errorf("secret key %q", inst.SecretKey())
	}
	if !strings.HasPrefix(inst.MachineSecretKey(), "ak_") || inst.MachineSecretKey() == inst.SecretKey() {
		t.Errorf("machine secret key %q", inst.MachineSecretKey())
	}
	for name, got := range map[string]string{"APIURL": inst.APIURL(), "FrontendAPIURL": inst.FrontendAPIURL(), "ProxyURL": inst.ProxyURL()} {
		if got != inst.URL() {
			t.Errorf("%s = %q, want the instance URL %q", name, got, inst.URL())
		}
	}
	if inst.SignInURL() != inst.URL()+"/sign-in" || inst.SignUpURL() != inst.URL()+"/sign-up" {
		t.Errorf("sign-in/up URLs %q %q", inst.SignInURL(), inst.SignUpURL())
	}
	if inst.Key() != sharedKey() || inst.PublicKeyPEM() != sharedKey().PublicKeyPEM() {
		t.Error("Key/PublicKeyPEM are not the configured key")
	}
	if inst.CookieSuffix() != cookieSuffix(pk) || len(inst.CookieSuffix()) != 8 {
		t.Errorf("CookieSuffix %q", inst.CookieSuffix())
	}

	s := inst.Settings()
	want := Settings{PublishableKey: pk, SecretKey: inst.SecretKey(), MachineSecretKey: inst.MachineSecretKey(),
		APIURL: inst.URL(), ProxyURL: inst.URL(), SignInURL: inst.SignInURL(), SignUpURL: inst.SignUpURL(), JWTKey: inst.PublicKeyPEM()}
	if s != want {
		t.Errorf("Settings = %+v\nwant %+v", s, want)
	}
	env := strings.Join(inst.Environ(), "\n")
	for _, line := range []string{"CLERK_PUBLISHABLE_KEY=" + pk, "CLERK_SECRET_KEY=" + inst.SecretKey(),
		"CLERK_API_URL=" + inst.URL(), "CLERK_PROXY_URL=" + inst.URL(), "CLERK_SIGN_IN_URL=" + inst.SignInURL()} {
		if !strings.Contains(env, line) {
			t.Errorf("Environ lacks %q", line)
		}
	}
}

func TestStartGeneratesDistinctKeys(t *testing.T) {
	t.Parallel()
	a := newInstance(t, Config{})
	b := newInstance(t, Config{})
	if a.SecretKey() == b.SecretKey() || a.PublishableKey() == b.PublishableKey() || a.CookieSuffix() == b.CookieSuffix() {
		t.Error("two instances share keys or cookie suffix")
	}
	resp, data := call(t, nil, "GET", a.URL()+"/v1/jwks", b.SecretKey(), nil)
	wantClerkError(t, resp, data, http.StatusUnauthorized, "clerk_key_invalid")
}

func TestStartRejectsInvalidConfig(t *testing.T) {
	t.Parallel()
	def := DefaultConfig()
	tests := map[string]Config{
		"all interfaces":          {Addr: "0.0.0.0:0"},
		"host name":               {Addr: "localhost:0"},
		"IPv6 loopback":           {Addr: "[::1]:0"},
		"public address":          {Addr: "192.0.2.1:0"},
		"no port":                 {Addr: "127.0.0.1"},
		"token version 3":         {SessionTokenVersion: 3},
		"production secret key":   {SecretKey: "sk_live_0123456789abcdef"},
		"short machine secret":    {MachineSecretKey: "ak_x"},
		"duplicate user":          {Users: []User{{ID: "user_a"}, {ID: "user_a"}}},
		"user without ID":         {Users: []User{{FirstName: "Nobody"}}},
		"organization no slug":    {Organizations: []Organization{{ID: "org_a"}}},
		"duplicate slug":          {Organizations: []Organization{{ID: "org_a", Slug: "a"}, {ID: "org_b", Slug: "a"}}},
		"membership unknown user": {Users: def.Users, Organizations: def.Organizations, Memberships: []Membership{{UserID: "user_x", OrgID: "org_acme", Role: "org:admin"}}},
		"membership unknown role": {Users: def.Users, Organizations: def.Organizations, Memberships: []Membership{{UserID: "user_alice", OrgID: "org_acme", Role: "org:owner"}}},
		"template name with /":    {Templates: map[string]Template{"a/b": {}}},
	}
	for name, cfg := range tests {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			cfg.Key = sharedKey()
			inst, err := Start(cfg)
			if err == nil {
				inst.Close()
				t.Fatal("Start succeeded")
			}
			if !strings.HasPrefix(err.Error(), "clerkdev: ") {
				t.Errorf("error %q does not name the package", err)
			}
		})
	}
}

func TestEmptyConfigUsesDemoData(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	for _, id := range []string{"user_alice", "user_bob", "user_carol"} {
		resp, data := call(t, nil, "GET", inst.URL()+"/v1/users/"+id, inst.SecretKey(), nil)
		if resp.StatusCode != 200 || decodeJSON(t, data)["id"] != id {
			t.Errorf("GET /v1/users/%s: %d %s", id, resp.StatusCode, data)
		}
	}
	// Custom users replace the demo data but keep the default roles.
	custom := newInstance(t, Config{
		Users:         []User{{ID: "user_x", FirstName: "X"}},
		Organizations: []Organization{{ID: "org_x", Slug: "x"}},
		Memberships:   []Membership{{UserID: "user_x", OrgID: "org_x", Role: "org:admin"}},
	})
	if resp, _ := call(t, nil, "GET", custom.URL()+"/v1/users/user_alice", custom.SecretKey(), nil); resp.StatusCode != 404 {
		t.Errorf("demo user present in a custom config: %d", resp.StatusCode)
	}
	tok, err := custom.MintSessionToken("user_x", WithOrg("x"))
	if err != nil {
		t.Fatal(err)
	}
	_, claims := verifyJWT(t, custom.Key().Public(), tok)
	if o := claims["o"].(map[string]any); o["rol"] != "admin" || o["per"] != "create,read" {
		t.Errorf("default roles not applied: o = %v", o)
	}
}

func TestJWKSEndpoints(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	want := string(clerktest.NewJWKS(inst.Key()).JSON())

	resp, data := call(t, nil, "GET", inst.URL()+"/v1/jwks", inst.SecretKey(), nil)
	if resp.StatusCode != 200 || string(data) != want {
		t.Errorf("GET /v1/jwks: %d %s, want %s", resp.StatusCode, data, want)
	}
	for _, key := range []string{"", "sk_test_wrong", inst.MachineSecretKey()} {
		resp, data := call(t, nil, "GET", inst.URL()+"/v1/jwks", key, nil)
		wantClerkError(t, resp, data, http.StatusUnauthorized, "clerk_key_invalid")
	}
	resp, data = call(t, nil, "GET", inst.URL()+"/.well-known/jwks.json", "", nil)
	if resp.StatusCode != 200 || string(data) != want {
		t.Errorf("GET /.well-known/jwks.json: %d %s", resp.StatusCode, data)
	}
}

func TestUnknownRoutesAnswerClerkErrors(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	resp, data := call(t, nil, "GET", inst.URL()+"/v1/nothing-here", inst.SecretKey(), nil)
	wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
}

func TestRequestsCountsPathsAndPatterns(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	s1, err := inst.CreateSession("user_alice")
	if err != nil {
		t.Fatal(err)
	}
	s2, err := inst.CreateSession("user_bob")
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		call(t, nil, "POST", inst.URL()+"/v1/sessions/"+s1.ID+"/tokens", inst.SecretKey(), nil)
	}
	call(t, nil, "POST", inst.URL()+"/v1/sessions/"+s2.ID+"/tokens", "wrong", nil)
	call(t, nil, "GET", inst.URL()+"/v1/jwks", "", nil)
	call(t, nil, "GET", inst.URL()+"/no/such/path", "", nil)

	for path, want := range map[string]int{
		"/v1/sessions/" + s1.ID + "/tokens": 3,
		"/v1/sessions/" + s2.ID + "/tokens": 1,
		"/v1/sessions/{sid}/tokens":         4,
		"/v1/jwks":                          1,
		"/no/such/path":                     1,
		"/api_keys/verify":                  0,
		"/v1/sessions/{sid}/refresh":        0,
	} {
		if got := inst.Requests(path); got != want {
			t.Errorf("Requests(%q) = %d, want %d", path, got, want)
		}
	}
}

func TestRequestBodiesAreBounded(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	big := `{"secret":"` + strings.Repeat("a", maxBodyBytes) + `"}`
	resp, data := call(t, nil, "POST", inst.URL()+"/api_keys/verify", inst.SecretKey(), big)
	wantClerkError(t, resp, data, http.StatusRequestEntityTooLarge, "request_body_too_large")

	for _, body := range []string{`{`, `[]`, `{"secret": 1}`, `{"secret":"x"} trailing`} {
		resp, data := call(t, nil, "POST", inst.URL()+"/api_keys/verify", inst.SecretKey(), body)
		if resp.StatusCode != http.StatusBadRequest && resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("body %q: status %d %s", body, resp.StatusCode, data)
		}
	}
}

func TestForeignHostHeaderIsRefused(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	for host, want := range map[string]int{
		strings.TrimPrefix(inst.URL(), "http://"):                        200,
		"localhost:" + inst.URL()[strings.LastIndex(inst.URL(), ":")+1:]: 200,
		"attacker.example": http.StatusMisdirectedRequest,
		"127.0.0.1:1":      http.StatusMisdirectedRequest,
	} {
		req, _ := http.NewRequest("GET", inst.URL()+"/.well-known/jwks.json", nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			t.Errorf("Host %q: status %d, want %d", host, resp.StatusCode, want)
		}
	}
}

func TestCloseIsIdempotentAndStopsServing(t *testing.T) {
	t.Parallel()
	inst, err := Start(Config{Key: sharedKey()})
	if err != nil {
		t.Fatal(err)
	}
	inst.Close()
	inst.Close()
	if resp, err := http.Get(inst.URL() + "/.well-known/jwks.json"); err == nil {
		resp.Body.Close()
		t.Error("instance still serves after Close")
	}
}

func TestIdleClientsAreBounded(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	s, err := inst.CreateSession("user_alice")
	if err != nil {
		t.Fatal(err)
	}
	inst.mu.Lock()
	for range maxIdleClients + 10 {
		inst.newClientLocked()
	}
	n := len(inst.state.clients)
	inst.mu.Unlock()
	if n > maxIdleClients {
		t.Errorf("%d clients kept, want at most %d", n, maxIdleClients)
	}
	// The signed-in client survives.
	resp, data := call(t, nil, "POST", inst.URL()+"/v1/sessions/"+s.ID+"/refresh", inst.SecretKey(), refreshBody(s.Token, s.RefreshToken))
	if resp.StatusCode != 200 {
		t.Errorf("refresh after the purge: %d %s", resp.StatusCode, data)
	}
	inst.mu.Lock()
	_, kept := inst.state.devBrowsers[s.DevBrowser]
	inst.mu.Unlock()
	if !kept {
		t.Error("the signed-in client's dev browser was forgotten")
	}
}
