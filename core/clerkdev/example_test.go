package clerkdev_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
)

// Start an instance, point a clerkguard client at it and authenticate a
// request that carries a session token minted for a demo user.
func ExampleStart() {
	inst, err := clerkdev.Start(clerkdev.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer inst.Close()

	s := inst.Settings()
	c, err := clerk.New(clerk.Options{
		PublishableKey: s.PublishableKey,
		SecretKey:      s.SecretKey,
		APIURL:         s.APIURL,
		ProxyURL:       s.ProxyURL,
		SignInURL:      s.SignInURL,
		SignUpURL:      s.SignUpURL,
	})
	if err != nil {
		log.Fatal(err)
	}

	token, err := inst.MintSessionToken("user_alice", clerkdev.WithOrg("acme"))
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("GET", "http://localhost:8080/api/invoices", nil)
	r.Header.Set("Authorization", "Bearer "+token)
	auth := c.Authenticate(context.Background(), clerk.NewRequest(r)).Auth

	fmt.Println(strings.HasPrefix(inst.PublishableKey(), "pk_test_"))
	fmt.Println(auth.UserID, auth.OrgSlug, auth.OrgRole)
	fmt.Println(auth.Has(clerk.Permission("org:invoices:create")))
	// Output:
	// true
	// user_alice acme org:admin
	// true
}

// In a test, NewTestInstance starts an instance that closes when the test
// ends. Here an API key is created and checked the way an application's
// middleware checks it, through the Backend API.
func ExampleNewTestInstance() {
	test := func(t *testing.T) {
		inst := clerkdev.NewTestInstance(t, clerkdev.Config{})
		key, err := inst.CreateAPIKey("user_alice", "ci", []string{"invoices:read"})
		if err != nil {
			t.Fatal(err)
		}
		req, _ := http.NewRequest("POST", inst.APIURL()+"/api_keys/verify",
			strings.NewReader(`{"secret":"`+key.Token+`"}`))
		req.Header.Set("Authorization", "Bearer "+inst.SecretKey())
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("verify: %d", resp.StatusCode)
		}
		if n := inst.Requests("/api_keys/verify"); n != 1 {
			t.Errorf("%d verifications", n)
		}
	}
	_ = test // a Test function's body, in a _test.go file
}

// Mint an expired token to test an application's refresh or expiry path.
func ExampleInstance_CreateSession() {
	inst, err := clerkdev.Start(clerkdev.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer inst.Close()

	sess, err := inst.CreateSession("user_bob", clerkdev.WithOrg("acme"), clerkdev.WithLifetime(-5*time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	for _, c := range sess.Cookies(false) {
		fmt.Println(strings.TrimSuffix(c.Name, "_"+inst.CookieSuffix()))
	}
	// Output:
	// __session
	// __client_uat
	// __clerk_db_jwt
	// __refresh
}
