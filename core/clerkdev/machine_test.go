package clerkdev

import (
	"encoding/json"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

// verifyCase describes one verify endpoint for the table tests.
type verifyCase struct {
	path, field string
	create      func(inst *Instance, opts ...Option) (MachineToken, error)
	// keys are the JSON fields of a verified token, exactly spec §11.
	keys   []string
	object string
}

var verifyCases = map[string]verifyCase{
	KindAPIKey: {
		path: "/api_keys/verify", field: "secret", object: "api_key",
		create: func(inst *Instance, opts ...Option) (MachineToken, error) {
			return inst.CreateAPIKey("user_alice", "ci key", []string{"read", "write"}, opts...)
		},
		keys: []string{"object", "id", "type", "name", "subject", "scopes", "claims", "revoked", "revocation_reason",
			"expired", "expiration", "created_by", "description", "last_used_at", "created_at", "updated_at"},
	},
	KindM2MToken: {
		path: "/m2m_tokens/verify", field: "token", object: "machine_to_machine_token",
		create: func(inst *Instance, opts ...Option) (MachineToken, error) {
			return inst.CreateM2MToken("mch_worker", []string{"mch_api"}, opts...)
		},
		keys: []string{"object", "id", "subject", "scopes", "claims", "revoked", "revocation_reason", "expired",
			"expiration", "created_at", "updated_at"},
	},
	KindOAuthToken: {
		path: "/oauth_applications/access_tokens/verify", field: "access_token", object: "clerk_idp_oauth_access_token",
		create: func(inst *Instance, opts ...Option) (MachineToken, error) {
			return inst.CreateOAuthToken("user_bob", "client_app", []string{"profile", "email"}, opts...)
		},
		keys: []string{"object", "id", "client_id", "type", "subject", "scopes", "revoked", "revocation_reason",
			"expired", "expiration", "created_at", "updated_at"},
	},
}

func sortedKeys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestMachineTokenVerify(t *testing.T) {
	t.Parallel()
	clock := clerktest.NewClock(time.UnixMilli(1_760_000_000_123))
	inst := newInstance(t, Config{Clock: clock.Now})
	other := newInstance(t, Config{})

	for kind, vc := range verifyCases {
		t.Run(kind, func(t *testing.T) {
			tok, err := vc.create(inst, WithClaim("team", "blue"))
			if err != nil {
				t.Fatal(err)
			}
			prefix := map[string]string{KindAPIKey: "ak_", KindM2MToken: "mt_", KindOAuthToken: "oat_"}[kind]
			if tok.Kind != kind || !regexp.MustCompile("^"+prefix+"[0-9a-f]{32}$").MatchString(tok.ID) ||
				!strings.HasPrefix(tok.Token, prefix) || tok.Token == tok.ID || len(tok.Token) < 40 {
				t.Fatalf("token %+v", tok)
			}
			verify := func(key, token string) (*http.Response, []byte) {
				return call(t, nil, "POST", inst.URL()+vc.path, key, map[string]string{vc.field: token})
			}

			resp, data := verify(inst.SecretKey(), tok.Token)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d %s", resp.StatusCode, data)
			}
			m := decodeJSON(t, data)
			if got, want := sortedKeys(m), slices.Sorted(slices.Values(vc.keys)); !slices.Equal(got, want) {
				t.Errorf("fields %q\nwant   %q", got, want)
			}
			if m["object"] != vc.object || m["id"] != tok.ID || m["subject"] != tok.Subject || m["revoked"] != false ||
				m["expired"] != false || m["revocation_reason"] != nil || m["created_at"] != 1_760_000_000_123.0 {
				t.Errorf("answer %s", data)
			}
			scopes, _ := json.Marshal(m["scopes"])
			if want, _ := json.Marshal(tok.Scopes); string(scopes) != string(want) {
				t.Errorf("scopes %s, want %s", scopes, want)
			}
			switch kind {
			case KindAPIKey:
				if m["type"] != "api_key" || m["name"] != "ci key" || m["expiration"] != nil || m["last_used_at"] != 1_760_000_000_123.0 ||
					m["claims"].(map[string]any)["team"] != "blue" {
					t.Errorf("API key %s", data)
				}
			case KindM2MToken:
				if m["expiration"] != 1_760_000_000_123.0+3_600_000 || m["claims"].(map[string]any)["team"] != "blue" {
					t.Errorf("M2M token %s", data)
				}
			case KindOAuthToken:
				if m["type"] != "oauth:access_token" || m["client_id"] != "client_app" || m["expiration"] != 1_760_000_000_123.0+3_600_000 {
					t.Errorf("OAuth token %s", data)
				}
			}

			// Credentials: the secret key; for M2M tokens also the machine
			// secret key (spec §6.3).
			for _, key := range []string{"", "sk_test_wrong", other.SecretKey(), inst.MachineSecretKey()} {
				if key == inst.MachineSecretKey() && kind == KindM2MToken {
					if resp, data := verify(key, tok.Token); resp.StatusCode != 200 {
						t.Errorf("machine secret key refused: %d %s", resp.StatusCode, data)
					}
					continue
				}
				resp, data := verify(key, tok.Token)
				wantClerkError(t, resp, data, http.StatusUnauthorized, "clerk_key_invalid")
			}

			// Unknown tokens, tokens of another kind and another instance.
			wrongKind := map[string]string{KindAPIKey: "mt_", KindM2MToken: "oat_", KindOAuthToken: "ak_"}[kind]
			otherTok, _ := vc.create(other)
			for _, unknown := range []string{prefix + "nope", tok.ID, wrongKind + tok.Token[len(prefix):], otherTok.Token} {
				resp, data := verify(inst.SecretKey(), unknown)
				wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
			}
			for kind2, vc2 := range verifyCases {
				if kind2 != kind {
					resp, data := call(t, nil, "POST", inst.URL()+vc2.path, inst.SecretKey(), map[string]string{vc2.field: tok.Token})
					wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
				}
			}
			resp, data = call(t, nil, "POST", inst.URL()+vc.path, inst.SecretKey(), map[string]string{"wrong_field": tok.Token})
			wantClerkError(t, resp, data, http.StatusUnprocessableEntity, "form_param_missing")

			// Revoked: 404, like an unknown token (see RevokeToken).
			if err := inst.RevokeToken(tok.Token, "compromised"); err != nil {
				t.Fatal(err)
			}
			resp, data = verify(inst.SecretKey(), tok.Token)
			wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")

			// Expired by the clock, and expired on request (by ID).
			fresh, _ := vc.create(inst, WithLifetime(time.Minute))
			if resp, _ := verify(inst.SecretKey(), fresh.Token); resp.StatusCode != 200 {
				t.Fatalf("fresh token: %d", resp.StatusCode)
			}
			clock.Advance(time.Minute)
			resp, data = verify(inst.SecretKey(), fresh.Token)
			wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
			clock.Advance(-time.Minute)
			if resp, _ := verify(inst.SecretKey(), fresh.Token); resp.StatusCode != 200 {
				t.Fatalf("token not valid again after the clock went back: %d", resp.StatusCode)
			}
			if err := inst.ExpireToken(fresh.ID); err != nil {
				t.Fatal(err)
			}
			resp, data = verify(inst.SecretKey(), fresh.Token)
			wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
		})
	}
	if err := inst.RevokeToken("ak_unknown", ""); err == nil {
		t.Error("RevokeToken of an unknown token succeeded")
	}
	if err := inst.ExpireToken("mt_unknown"); err == nil {
		t.Error("ExpireToken of an unknown token succeeded")
	}
}

func TestReportRevokedMachineTokens(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{ReportRevokedMachineTokens: true})
	for kind, vc := range verifyCases {
		t.Run(kind, func(t *testing.T) {
			revoked, _ := vc.create(inst)
			expired, _ := vc.create(inst, WithLifetime(-time.Second))
			if err := inst.RevokeToken(revoked.ID, "rotated"); err != nil {
				t.Fatal(err)
			}
			resp, data := call(t, nil, "POST", inst.URL()+vc.path, inst.SecretKey(), map[string]string{vc.field: revoked.Token})
			m := decodeJSON(t, data)
			if resp.StatusCode != 200 || m["revoked"] != true || m["revocation_reason"] != "rotated" || m["expired"] != false {
				t.Errorf("revoked: %d %s", resp.StatusCode, data)
			}
			resp, data = call(t, nil, "POST", inst.URL()+vc.path, inst.SecretKey(), map[string]string{vc.field: expired.Token})
			m = decodeJSON(t, data)
			if resp.StatusCode != 200 || m["revoked"] != false || m["expired"] != true {
				t.Errorf("expired: %d %s", resp.StatusCode, data)
			}
			if kind == KindAPIKey && m["last_used_at"] != nil {
				t.Error("an expired key was marked as used")
			}
			resp, data = call(t, nil, "POST", inst.URL()+vc.path, inst.SecretKey(), map[string]string{vc.field: "ak_nope"})
			wantClerkError(t, resp, data, http.StatusNotFound, "resource_not_found")
		})
	}
}

func TestCreateMachineTokenErrors(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	if _, err := inst.CreateAPIKey("", "x", nil); err == nil {
		t.Error("API key without subject")
	}
	if _, err := inst.CreateM2MToken("", nil); err == nil {
		t.Error("M2M token without machine")
	}
	if _, err := inst.CreateOAuthToken("user_alice", "", nil); err == nil {
		t.Error("OAuth token without client")
	}
	tok, err := inst.CreateAPIKey("org_acme", "", nil)
	if err != nil || tok.Scopes == nil || len(tok.Scopes) != 0 {
		t.Errorf("nil scopes: %+v %v", tok, err)
	}
}

func TestMachineJWTs(t *testing.T) {
	t.Parallel()
	inst := newInstance(t, Config{})
	pub := inst.Key().Public()

	m2m, err := inst.MintM2MJWT("mch_worker", []string{"mch_api", "mch_db"}, WithClaim("env", "ci"))
	if err != nil {
		t.Fatal(err)
	}
	h, c := verifyJWT(t, pub, m2m)
	if h["cat"] != clerktest.CategoryM2M || h["typ"] != "JWT" || c["sub"] != "mch_worker" || c["scopes"] != "mch_api mch_db" ||
		c["iss"] != inst.URL() || c["env"] != "ci" || !strings.HasPrefix(c["jti"].(string), "mt_") ||
		num(t, c["exp"])-num(t, c["iat"]) != 3600 {
		t.Errorf("M2M JWT %v %v", h, c)
	}

	oat, err := inst.MintOAuthJWT("user_alice", "client_app", []string{"profile"}, WithLifetime(10*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	h, c = verifyJWT(t, pub, oat)
	scp, _ := json.Marshal(c["scp"])
	if h["typ"] != "at+jwt" || h["cat"] != nil || c["sub"] != "user_alice" || c["client_id"] != "client_app" ||
		string(scp) != `["profile"]` || num(t, c["exp"])-num(t, c["iat"]) != 600 || !strings.HasPrefix(c["jti"].(string), "oat_") {
		t.Errorf("OAuth JWT %v %v", h, c)
	}
}
