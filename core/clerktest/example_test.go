package clerktest_test

import (
	"crypto"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/clerkguard/clerkguard/core/clerktest"
)

func ExampleKey_Sign() {
	key := clerktest.MustNewKey().WithKID("ins_example")
	now := time.Unix(1_700_000_000, 0)

	token, err := key.Sign(
		clerktest.SessionV1("user_123", "sess_123", now),
		clerktest.WithCategory(clerktest.CategorySession),
	)
	if err != nil {
		panic(err)
	}

	parts := strings.Split(token, ".")
	header, _ := base64.RawURLEncoding.DecodeString(parts[0])
	payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
	sig, _ := base64.RawURLEncoding.DecodeString(parts[2])
	digest := crypto.SHA256.New()
	digest.Write([]byte(parts[0] + "." + parts[1]))
	err = rsa.VerifyPKCS1v15(key.Public(), crypto.SHA256, digest.Sum(nil), sig)

	fmt.Println(string(header))
	fmt.Println(string(payload))
	fmt.Println("signature valid:", err == nil)
	// Output:
	// {"alg":"RS256","cat":"cl_B7d4PD111AAA","kid":"ins_example","typ":"JWT"}
	// {"azp":"http://localhost:3000","exp":1700000060,"iat":1700000000,"iss":"https://clerk.example.com","nbf":1699999990,"sid":"sess_123","sub":"user_123"}
	// signature valid: true
}

func ExampleKey_Sign_attacks() {
	key := clerktest.MustNewKey()
	claims := clerktest.SessionV1("user_123", "sess_123", time.Now())

	unsigned := key.MustSign(claims, clerktest.WithAlg("none"))
	confused := key.MustSign(claims, clerktest.WithAlg("HS256"),
		clerktest.WithHMACSecret([]byte(key.PublicKeyPEM())))
	unknownKID := key.MustSign(claims, clerktest.WithKID("ins_unknown"))
	badHeader := key.MustSign(claims, clerktest.WithRawHeader([]byte(`{"alg":`)))

	fmt.Println(strings.HasSuffix(unsigned, "."))
	fmt.Println(len(strings.Split(confused, ".")[2]) > 0)
	fmt.Println(unknownKID != "", badHeader != "")
	// Output:
	// true
	// true
	// true true
}

func ExampleNewJWKSServer() {
	key := clerktest.MustNewKey().WithKID("ins_example")
	secretKey := clerktest.SecretKey()

	// In a test, pass t: the server is closed when the test ends.
	srv := clerktest.NewJWKSServer(nil, secretKey, key)
	defer srv.Close()

	req, _ := http.NewRequest(http.MethodGet, srv.URL()+"/v1/jwks", nil)
	req.Header.Set("Authorization", "Bearer "+secretKey)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	defer resp.Body.Close()
	var jwks clerktest.JWKS
	if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
		panic(err)
	}
	fmt.Println(resp.StatusCode, jwks.Keys[0].KID, jwks.Keys[0].Alg, jwks.Keys[0].E)

	srv.SetFailure(http.StatusServiceUnavailable, `{"errors":[]}`)
	resp2, err := http.DefaultClient.Do(req)
	if err != nil {
		panic(err)
	}
	body, _ := io.ReadAll(resp2.Body)
	resp2.Body.Close()
	fmt.Println(resp2.StatusCode, string(body), srv.Requests())
	// Output:
	// 200 ins_example RS256 AQAB
	// 503 {"errors":[]} 2
}

func ExampleSessionV2() {
	now := time.Unix(1_700_000_000, 0)
	claims := clerktest.SessionV2("user_123", "sess_123", now,
		clerktest.WithOrg(clerktest.Org{
			ID:          "org_123",
			Slug:        "acme",
			Role:        "org:admin",
			Permissions: []string{"org:dashboard:manage", "org:dashboard:read", "org:teams:read"},
		}),
		clerktest.WithPlans("o:pro"),
		clerktest.WithClaim("jti", "fixed"),
	)
	b, _ := json.Marshal(claims)
	fmt.Println(string(b))
	// Output:
	// {"azp":"http://localhost:3000","exp":1700000060,"fea":"o:dashboard,o:teams","iat":1700000000,"iss":"https://clerk.example.com","jti":"fixed","nbf":1699999990,"o":{"fpm":"3,2","id":"org_123","per":"manage,read","rol":"admin","slg":"acme"},"pla":"o:pro","sid":"sess_123","sub":"user_123","v":2}
}

func ExampleClock() {
	clock := clerktest.NewClock(time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC))
	now := clock.Now // plugs into clerk.Options.Clock

	fmt.Println(now().Format(time.TimeOnly))
	clock.Advance(90 * time.Second)
	fmt.Println(now().Format(time.TimeOnly))
	// Output:
	// 12:00:00
	// 12:01:30
}
