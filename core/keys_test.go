package clerk

import (
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"
	"unicode/utf8"
)

// keyVectors is testdata/clerk_keys_vectors.json: answers of Clerk's own
// @clerk/shared to the inputs of testdata/clerk_keys_vectors.gen.js.
type keyVectors struct {
	Judge       string            `json:"judge"`
	Errors      map[string]string `json:"errors"`
	Publishable []struct {
		Key          string `json:"key"`
		InstanceType string `json:"instanceType"`
		FrontendAPI  string `json:"frontendApi"`
		Error        string `json:"error"`
	} `json:"publishable"`
	CookieSuffix []struct {
		Key    string `json:"key"`
		Suffix string `json:"suffix"`
	} `json:"cookieSuffix"`
	Accounts []struct {
		Host string `json:"host"`
		URL  string `json:"url"`
	} `json:"accounts"`
	SecretKeys []struct {
		Key         string `json:"key"`
		Development bool   `json:"development"`
		Production  bool   `json:"production"`
	} `json:"secretKeys"`
	Build []struct {
		Host string `json:"host"`
		Key  string `json:"key"`
	} `json:"build"`
}

func loadKeyVectors(t *testing.T) *keyVectors {
	t.Helper()
	b, err := os.ReadFile("testdata/clerk_keys_vectors.json")
	if err != nil {
		t.Fatal(err)
	}
	var v keyVectors
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatal(err)
	}
	if len(v.Publishable) == 0 || len(v.CookieSuffix) == 0 || len(v.Accounts) == 0 {
		t.Fatal("clerk_keys_vectors.json has empty sections")
	}
	return &v
}

func TestParsePublishableKeySpecExamples(t *testing.T) {
	t.Parallel()
	tests := []struct {
		key      string
		wantType InstanceType
		wantHost string
	}{
		{"pk_live_Y2xlcmsuY2xlcmsuZGV2JA", Production, "clerk.clerk.dev"},
		{"pk_test_Y2xlcmsuY2xlcmsuZGV2JA", Development, "clerk.clerk.dev"},
		{"pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", Production, "clerk.inspired.puma-74.lcl.dev"},
		{"pk_test_ZW5vdWdoLWFscGFjYS04Mi5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k", Development, "enough-alpaca-82.clerk.accounts.lclclerk.com"},
		// Padding is optional, as with atob.
		{"pk_test_Y2xlcmsuY2xlcmsuZGV2JA==", Development, "clerk.clerk.dev"},
		// atob drops ASCII whitespace: a key read with its trailing newline still parses.
		{"pk_test_Y2xlcmsuY2xlcmsuZGV2JA\n", Development, "clerk.clerk.dev"},
	}
	for _, tt := range tests {
		got, err := ParsePublishableKey(tt.key)
		if err != nil {
			t.Errorf("ParsePublishableKey(%q): %v", tt.key, err)
			continue
		}
		want := PublishableKey{Key: tt.key, InstanceType: tt.wantType, FrontendAPI: tt.wantHost}
		if got != want {
			t.Errorf("ParsePublishableKey(%q) = %+v, want %+v", tt.key, got, want)
		}
	}
}

func TestParsePublishableKeyRejects(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, key, wantFirstLine string
	}{
		{"empty", "", "Publishable key is missing."},
		{"secret key", "sk_test_Y2xlcmsuY2xlcmsuZGV2JA", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"prefix only", "pk_test_", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"four parts", "pk_test_Y2xlcmsuY2xlcmsuZGV2JA_", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"not base64", "pk_test_!!!!", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"length 1 mod 4", "pk_test_Y2xlcmsuY2xlcmsuZGV2J", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"one '=' on a length of 3 mod 4", "pk_test_Y2xlcmsuY2xlcmsuZGV2JA=", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"base64url", "pk_test_Y2xlcmsuY2xlcmsuZGV2JA-", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"no dollar", "pk_test_Zm9vLmJhcg", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"two dollars", "pk_test_YS5iJCQ", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"no dot", "pk_test_Zm9vJA", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"upper-case prefix", "PK_TEST_Y2xlcmsuY2xlcmsuZGV2JA", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
		{"leading space", " pk_test_Y2xlcmsuY2xlcmsuZGV2JA", "Publishable key not valid (expected format: pk_test_... or pk_live_...)."},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParsePublishableKey(tt.key)
			if err == nil {
				t.Fatalf("ParsePublishableKey(%q) = %+v, want an error", tt.key, got)
			}
			if got != (PublishableKey{}) {
				t.Errorf("ParsePublishableKey(%q) returned %+v with its error, want the zero value", tt.key, got)
			}
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Fatalf("error %T is not a *ConfigError", err)
			}
			if ce.Field != "PublishableKey" {
				t.Errorf("Field = %q, want PublishableKey", ce.Field)
			}
			if first, _, _ := strings.Cut(ce.Message, "\n"); first != tt.wantFirstLine {
				t.Errorf("first line of message = %q, want %q", first, tt.wantFirstLine)
			}
			if !strings.HasSuffix(ce.Message, "Or copy keys from https://dashboard.clerk.com/~/api-keys into your .env file.") {
				t.Errorf("message lacks Clerk's key setup guidance: %q", ce.Message)
			}
		})
	}
}

func TestParsePublishableKeyMatchesClerkShared(t *testing.T) {
	t.Parallel()
	v := loadKeyVectors(t)
	var ok, failed int
	for _, tt := range v.Publishable {
		got, err := ParsePublishableKey(tt.Key)
		if tt.Error != "" {
			failed++
			var ce *ConfigError
			if !errors.As(err, &ce) {
				t.Errorf("ParsePublishableKey(%q) = %+v, %v; %s says %s", tt.Key, got, err, v.Judge, tt.Error)
				continue
			}
			if want := v.Errors[tt.Error]; ce.Message != want {
				t.Errorf("ParsePublishableKey(%q) message:\n%s\nwant (%s):\n%s", tt.Key, ce.Message, v.Judge, want)
			}
			continue
		}
		ok++
		want := PublishableKey{Key: tt.Key, InstanceType: InstanceType(tt.InstanceType), FrontendAPI: tt.FrontendAPI}
		if err != nil || got != want {
			t.Errorf("ParsePublishableKey(%q) = %+v, %v; %s says %+v", tt.Key, got, err, v.Judge, want)
		}
	}
	if ok < 20 || failed < 20 {
		t.Errorf("vectors too one-sided: %d valid, %d invalid", ok, failed)
	}
}

func TestMakePublishableKeyMatchesClerkShared(t *testing.T) {
	t.Parallel()
	v := loadKeyVectors(t)
	for _, tt := range v.Build {
		production := strings.HasPrefix(tt.Key, "pk_live_")
		if got := MakePublishableKey(tt.Host, production); got != tt.Key {
			t.Errorf("MakePublishableKey(%q, %v) = %q, Clerk's buildPublishableKey = %q", tt.Host, production, got, tt.Key)
		}
	}
}

func TestMakePublishableKeyRoundTrip(t *testing.T) {
	t.Parallel()
	for _, host := range []string{"clerk.example.com", "a.b", "happy-hippo-1.clerk.accounts.dev", "x.y1", "x.y12"} {
		for _, production := range []bool{false, true} {
			key := MakePublishableKey(host, production)
			pk, err := ParsePublishableKey(key)
			if err != nil {
				t.Fatalf("ParsePublishableKey(MakePublishableKey(%q, %v)): %v", host, production, err)
			}
			wantType := Development
			if production {
				wantType = Production
			}
			if pk.FrontendAPI != host || pk.InstanceType != wantType {
				t.Errorf("round trip of %q, %v = %+v", host, production, pk)
			}
		}
	}
	if got, want := MakePublishableKey("clerk.clerk.dev", false), "pk_test_Y2xlcmsuY2xlcmsuZGV2JA"; got != want {
		t.Errorf("MakePublishableKey = %q, want %q (unpadded, as Clerk's keys)", got, want)
	}
}

func TestCookieSuffixSpecExamples(t *testing.T) {
	t.Parallel()
	tests := []struct{ key, want string }{
		{"pk_live_Y2xlcmsuY2xlcmsuZGV2JA", "1Z8AzTQD"},
		{"pk_test_Y2xlcmsuY2xlcmsuZGV2JA", "QvfNY2dr"},
		{"pk_live_Y2xlcmsuaW5zcGlyZWQucHVtYS03NC5sY2wuZGV2JA", "MqCvchyS"},
		{"pk_test_ZW5vdWdoLWFscGFjYS04Mi5jbGVyay5hY2NvdW50cy5sY2xjbGVyay5jb20k", "jtYvyt_H"},
	}
	for _, tt := range tests {
		if got := CookieSuffix(tt.key); got != tt.want {
			t.Errorf("CookieSuffix(%q) = %q, want %q", tt.key, got, tt.want)
		}
	}
}

func TestCookieSuffixMatchesClerkShared(t *testing.T) {
	t.Parallel()
	v := loadKeyVectors(t)
	for _, tt := range v.CookieSuffix {
		if got := CookieSuffix(tt.Key); got != tt.Suffix {
			t.Errorf("CookieSuffix(%q) = %q, %s getCookieSuffix = %q", tt.Key, got, v.Judge, tt.Suffix)
		}
	}
}

func TestAccountsBaseURL(t *testing.T) {
	t.Parallel()
	// Spec §5.4 example.
	if got, want := accountsBaseURL("clerk.included.katydid-92.lcl.dev"), "https://accounts.included.katydid-92.lcl.dev"; got != want {
		t.Errorf("accountsBaseURL = %q, want %q", got, want)
	}
	v := loadKeyVectors(t)
	for _, tt := range v.Accounts {
		if got := accountsBaseURL(tt.Host); got != tt.URL {
			t.Errorf("accountsBaseURL(%q) = %q, %s buildAccountsBaseUrl = %q", tt.Host, got, v.Judge, tt.URL)
		}
	}
}

func TestSecretKeyInstanceType(t *testing.T) {
	t.Parallel()
	v := loadKeyVectors(t)
	for _, tt := range v.SecretKeys {
		if got := isDevelopmentSecretKey(tt.Key); got != tt.Development {
			t.Errorf("isDevelopmentSecretKey(%q) = %v, Clerk says %v", tt.Key, got, tt.Development)
		}
		if got := isProductionSecretKey(tt.Key); got != tt.Production {
			t.Errorf("isProductionSecretKey(%q) = %v, Clerk says %v", tt.Key, got, tt.Production)
		}
	}
}

func TestPublishableKeyAtob(t *testing.T) {
	t.Parallel()
	// Answers of Node's atob (a "-" means it throws).
	tests := []struct{ in, want string }{
		{"JA", "$"}, {"JA=", "-"}, {"JA==", "$"}, {"JA===", "-"}, {"J", "-"},
		{"JA= =", "$"}, {"J A\n=\t=", "$"}, {"JB", "$"}, {"JA==\n", "$"}, {"=JA=", "-"},
		{"AA=A", "-"}, {"////", "\u00ff\u00ff\u00ff"}, {"-_", "-"}, {"Zh", "f"}, {"Zm8", "fo"},
		{"\f\r Zg", "f"}, {"Zg\u00a0", "-"}, {"Zg\v", "-"}, {"", ""}, {"====", "-"}, {"A===", "-"},
		{"6S5iJA", "\u00e9.b$"},
	}
	for _, tt := range tests {
		got, ok := atob(tt.in)
		if !ok {
			got = "-"
		}
		if got != tt.want {
			t.Errorf("atob(%q) = %q, want %q", tt.in, got, tt.want)
		}
		ref, refOK := forgivingBase64Reference(tt.in)
		if refOK != ok || (ok && ref != got) {
			t.Errorf("atob(%q) = %q, %v; the spec's algorithm gives %q, %v", tt.in, got, ok, ref, refOK)
		}
	}
}

// forgivingBase64Reference is the WHATWG Infra "forgiving-base64 decode"
// written step by step from the standard, as an independent check of atob.
func forgivingBase64Reference(data string) (string, bool) {
	// 1. Remove all ASCII whitespace.
	data = strings.Map(func(r rune) rune {
		if r == '\t' || r == '\n' || r == '\f' || r == '\r' || r == ' ' {
			return -1
		}
		return r
	}, data)
	// 2. If the length divides by 4, remove one or two trailing '='.
	if len(data)%4 == 0 {
		if strings.HasSuffix(data, "==") {
			data = data[:len(data)-2]
		} else if strings.HasSuffix(data, "=") {
			data = data[:len(data)-1]
		}
	}
	// 3. Length 1 mod 4 fails.
	if len(data)%4 == 1 {
		return "", false
	}
	// 4. Only the base64 alphabet.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	// 5-8. Accumulate 6 bits per character, emit a byte per 8 bits, drop the rest.
	var out []rune
	var buffer, bits uint
	for i := 0; i < len(data); i++ {
		n := strings.IndexByte(alphabet, data[i])
		if n < 0 {
			return "", false
		}
		buffer = buffer<<6 | uint(n)
		bits += 6
		if bits >= 8 {
			bits -= 8
			out = append(out, rune(buffer>>bits&0xff))
		}
	}
	return string(out), true
}

func FuzzParsePublishableKey(f *testing.F) {
	for _, seed := range []string{
		"", "pk_test_", "pk_live_Y2xlcmsuY2xlcmsuZGV2JA", "pk_test_Y2xlcmsuY2xlcmsuZGV2JA==",
		"pk_test_Y2xlcmsuY2xlcmsuZGV2JA\n", "pk_test_Y2xlcmsu Y2xlcmsuZGV2JA", "pk_test_YS5iJCQ",
		"pk_test_6S5iJA", "pk_test_a_b", "pk_test_JA=\t=", "sk_test_abc", "pk_live_LiQ",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, key string) {
		pk, err := ParsePublishableKey(key)
		if err != nil {
			var ce *ConfigError
			if !errors.As(err, &ce) || ce.Field != "PublishableKey" {
				t.Fatalf("error %#v is not a PublishableKey ConfigError", err)
			}
			if pk != (PublishableKey{}) {
				t.Fatalf("non-zero key %+v with an error", pk)
			}
		} else {
			live := strings.HasPrefix(key, "pk_live_")
			if !live && !strings.HasPrefix(key, "pk_test_") {
				t.Fatalf("accepted %q without a pk_live_/pk_test_ prefix", key)
			}
			if strings.Count(key, "_") != 2 {
				t.Fatalf("accepted %q which is not three _-separated parts", key)
			}
			if live != (pk.InstanceType == Production) || (!live && pk.InstanceType != Development) {
				t.Fatalf("instance type %q for %q", pk.InstanceType, key)
			}
			if pk.Key != key || !strings.Contains(pk.FrontendAPI, ".") || strings.Contains(pk.FrontendAPI, "$") || !utf8.ValidString(pk.FrontendAPI) {
				t.Fatalf("bad parse of %q: %+v", key, pk)
			}
			// An ASCII host round-trips through MakePublishableKey.
			if asciiOnly(pk.FrontendAPI) {
				again, err := ParsePublishableKey(MakePublishableKey(pk.FrontendAPI, live))
				if err != nil || again.FrontendAPI != pk.FrontendAPI || again.InstanceType != pk.InstanceType {
					t.Fatalf("round trip of %+v: %+v, %v", pk, again, err)
				}
			}
		}
		// The decoder agrees with the standard's algorithm on the encoded part.
		if _, enc, found := strings.Cut(strings.TrimPrefix(key, "pk_"), "_"); found {
			got, ok := atob(enc)
			ref, refOK := forgivingBase64Reference(enc)
			if ok != refOK || got != ref {
				t.Fatalf("atob(%q) = %q, %v; reference %q, %v", enc, got, ok, ref, refOK)
			}
		}
		_ = CookieSuffix(key)
	})
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
