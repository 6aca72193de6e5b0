package clerkdev

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestDevEndpoints(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	sk := inst.SecretKey()
	post := func(path string, body any) (*http.Response, map[string]any) {
		t.Helper()
		resp, data := call(t, nil, "POST", inst.URL()+path, sk, body)
		if resp.StatusCode != 200 {
			return resp, nil
		}
		return resp, decodeJSON(t, data)
	}

	t.Run("sessions", func(t *testing.T) {
		_, s := post("/__dev/sessions", map[string]any{"user_id": "user_alice", "organization": "acme", "token_version": 1,
			"expires_in_seconds": -30, "authorized_party": "http://localhost:3000", "claims": map[string]any{"plan": "x"}})
		if s == nil || s["object"] != "session" || s["organization_id"] != "org_acme" || s["refresh_token"] == "" || len(s["cookies"].([]any)) != 4 {
			t.Fatalf("session %v", s)
		}
		_, c := verifyJWT(t, inst.Key().Public(), s["jwt"].(string))
		if c["org_role"] != "org:admin" || c["azp"] != "http://localhost:3000" || c["plan"] != "x" || num(t, c["exp"]) > time.Now().Unix() {
			t.Errorf("claims %v", c)
		}
		cookies := parseDirectives(t, toStrings(s["cookies"].([]any)))
		if cookies["__session"].value != s["jwt"] || !strings.Contains(cookies["__refresh_"+inst.CookieSuffix()].attrs, "HttpOnly") {
			t.Errorf("cookies %v", cookies)
		}
		// The session refreshes through the Backend API, until it is ended.
		sid := s["id"].(string)
		refreshURL := inst.URL() + "/v1/sessions/" + sid + "/refresh"
		resp, data := call(t, nil, "POST", refreshURL, sk, refreshBody(s["jwt"].(string), s["refresh_token"].(string)))
		decodeCookies(t, resp, data)
		if resp, _ := post("/__dev/sessions/"+sid+"/end", nil); resp.StatusCode != 200 {
			t.Fatalf("end: %d", resp.StatusCode)
		}
		resp, data = call(t, nil, "POST", refreshURL, sk, refreshBody(s["jwt"].(string), s["refresh_token"].(string)))
		wantClerkError(t, resp, data, http.StatusUnauthorized, "signed_out")
		resp, data = call(t, nil, "POST", inst.URL()+"/__dev/sessions/sess_nope/end", sk, nil)
		wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
		resp, data = call(t, nil, "POST", inst.URL()+"/__dev/sessions", sk, map[string]any{"user_id": "user_bob", "organization": "globex"})
		wantClerkError(t, resp, data, http.StatusUnprocessableEntity, "form_param_value_invalid")
	})

	t.Run("machine tokens", func(t *testing.T) {
		_, k := post("/__dev/api_keys", map[string]any{"subject": "org_acme", "name": "deploy", "scopes": []string{"deploy"}, "expires_in_seconds": 60})
		if k == nil || k["object"] != KindAPIKey || !strings.HasPrefix(k["token"].(string), "ak_") || k["expiration"] == nil {
			t.Fatalf("API key %v", k)
		}
		resp, data := call(t, nil, "POST", inst.URL()+"/api_keys/verify", sk, map[string]string{"secret": k["token"].(string)})
		if resp.StatusCode != 200 || decodeJSON(t, data)["subject"] != "org_acme" {
			t.Errorf("verify: %d %s", resp.StatusCode, data)
		}
		if resp, r := post("/__dev/tokens/revoke", map[string]string{"token": k["id"].(string), "reason": "done"}); r["revoked"] != true {
			t.Errorf("revoke: %d %v", resp.StatusCode, r)
		}
		resp, data = call(t, nil, "POST", inst.URL()+"/api_keys/verify", sk, map[string]string{"secret": k["token"].(string)})
		wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")

		_, m := post("/__dev/m2m_tokens", map[string]any{"machine_id": "mch_a", "scopes": []string{"mch_b"}})
		if m == nil || !strings.HasPrefix(m["token"].(string), "mt_") {
			t.Fatalf("M2M %v", m)
		}
		if _, r := post("/__dev/tokens/expire", map[string]string{"token": m["token"].(string)}); r["expired"] != true {
			t.Errorf("expire: %v", r)
		}
		resp, data = call(t, nil, "POST", inst.URL()+"/m2m_tokens/verify", inst.MachineSecretKey(), map[string]string{"token": m["token"].(string)})
		wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")

		_, j := post("/__dev/m2m_tokens", map[string]any{"machine_id": "mch_a", "scopes": []string{"mch_b"}, "format": "jwt"})
		if _, c := verifyJWT(t, inst.Key().Public(), j["token"].(string)); c["sub"] != "mch_a" || c["scopes"] != "mch_b" {
			t.Errorf("M2M JWT %v", c)
		}
		_, o := post("/__dev/oauth_tokens", map[string]any{"user_id": "user_bob", "client_id": "client_x", "scopes": []string{"email"}})
		resp, data = call(t, nil, "POST", inst.URL()+"/oauth_applications/access_tokens/verify", sk, map[string]string{"access_token": o["token"].(string)})
		if resp.StatusCode != 200 || decodeJSON(t, data)["client_id"] != "client_x" {
			t.Errorf("OAuth verify: %d %s", resp.StatusCode, data)
		}
		_, oj := post("/__dev/oauth_tokens", map[string]any{"user_id": "user_bob", "client_id": "client_x", "format": "jwt"})
		if h, _ := verifyJWT(t, inst.Key().Public(), oj["token"].(string)); h["typ"] != "at+jwt" {
			t.Errorf("OAuth JWT header %v", h)
		}

		for path, body := range map[string]any{
			"/__dev/api_keys":      map[string]any{"name": "no subject"},
			"/__dev/m2m_tokens":    map[string]any{},
			"/__dev/oauth_tokens":  map[string]any{"user_id": "user_bob"},
			"/__dev/tokens/revoke": map[string]any{"token": "ak_nope"},
			"/__dev/tokens/expire": map[string]any{"token": "ak_nope"},
		} {
			resp, _ := post(path, body)
			if resp.StatusCode != http.StatusUnprocessableEntity && resp.StatusCode != http.StatusNotFound {
				t.Errorf("%s with %v: %d", path, body, resp.StatusCode)
			}
		}
	})

	t.Run("secret key required", func(t *testing.T) {
		for _, path := range []string{"/__dev/sessions", "/__dev/api_keys", "/__dev/m2m_tokens", "/__dev/oauth_tokens",
			"/__dev/tokens/revoke", "/__dev/tokens/expire", "/__dev/sessions/x/end"} {
			for _, key := range []string{"", inst.MachineSecretKey()} {
				resp, data := call(t, nil, "POST", inst.URL()+path, key, map[string]any{"user_id": "user_alice"})
				wantClerkError(t, resp, data, http.StatusUnauthorized, "clerk_key_invalid")
			}
		}
	})
}

func toStrings(v []any) []string {
	out := make([]string, len(v))
	for i, s := range v {
		out[i] = s.(string)
	}
	return out
}

// TestConcurrentUse runs every kind of request at once, from parallel
// subtests; run it with -race.
func TestConcurrentUse(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	key, err := inst.CreateAPIKey("user_alice", "shared", nil)
	if err != nil {
		t.Fatal(err)
	}
	const workers, rounds = 8, 5
	t.Run("workers", func(t *testing.T) {
		for w := range workers {
			t.Run(fmt.Sprint(w), func(t *testing.T) {
				t.Parallel()
				b := browser(t)
				user := []string{"user_alice", "user_bob", "user_carol"}[w%3]
				for n := range rounds {
					redirect := fmt.Sprintf("http://127.0.0.1:3000/w%d/%d", w, n)
					tok := parseDirectives(t, handshakePayload(t, inst, signIn(t, inst, b, user, redirect)))["__session"].value
					_, c := verifyJWT(t, inst.Key().Public(), tok)
					if c["sub"] != user {
						t.Fatalf("token for %v, want %s", c["sub"], user)
					}
					s, err := inst.CreateSession(user, WithLifetime(-time.Second))
					if err != nil {
						t.Fatal(err)
					}
					resp, data := call(t, nil, "POST", inst.URL()+"/v1/sessions/"+s.ID+"/refresh", inst.SecretKey(), refreshBody(s.Token, s.RefreshToken))
					decodeCookies(t, resp, data)
					if resp, _ := call(t, nil, "POST", inst.URL()+"/api_keys/verify", inst.SecretKey(), map[string]string{"secret": key.Token}); resp.StatusCode != 200 {
						t.Errorf("verify: %d", resp.StatusCode)
					}
					if resp, _ := call(t, nil, "POST", inst.URL()+"/v1/sessions/"+c["sid"].(string)+"/tokens/example", inst.SecretKey(), nil); resp.StatusCode != 200 {
						t.Errorf("template: %d", resp.StatusCode)
					}
					handshake(t, inst, b, url.Values{"redirect_url": {redirect}, "organization_id": {"acme"}})
					if _, err := inst.CreateM2MToken("mch_x", nil); err != nil {
						t.Error(err)
					}
					_ = inst.Requests("/v1/sessions/{sid}/refresh")
				}
				if resp := postForm(t, b, inst.URL()+"/sign-out", url.Values{}, ""); resp.StatusCode != http.StatusSeeOther {
					t.Errorf("sign-out: %d", resp.StatusCode)
				}
			})
		}
	})
	if got := inst.Requests("/v1/sessions/{sid}/refresh"); got != workers*rounds {
		t.Errorf("%d refreshes counted, want %d", got, workers*rounds)
	}
	if got := inst.Requests("/api_keys/verify"); got != workers*rounds {
		t.Errorf("%d verifications counted, want %d", got, workers*rounds)
	}
}
