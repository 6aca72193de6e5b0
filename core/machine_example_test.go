package clerk_test

import (
	"context"
	"fmt"
	"log"
	"log/slog"
	"net/http/httptest"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerkdev"
)

// A route that accepts API keys and M2M tokens, Clerk's
// auth.protect({ token: ['m2m_token', 'api_key'] }). The instance is
// clerkdev, an offline Clerk that issues the key.
func ExampleAcceptsToken() {
	inst, err := clerkdev.Start(clerkdev.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer inst.Close()
	s := inst.Settings()
	client, err := clerk.New(clerk.Options{SecretKey: s.SecretKey, PublishableKey: s.PublishableKey,
		APIURL: s.APIURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	key, err := inst.CreateAPIKey("user_alice", "reporting script", []string{"reports:read"})
	if err != nil {
		log.Fatal(err)
	}

	for _, token := range []string{key.Token, "ak_unknown"} {
		r := httptest.NewRequest("GET", "/api/reports", nil)
		r.Header.Set("Authorization", "Bearer "+token)
		// What the middleware does: authenticate any token type.
		state := client.Authenticate(context.Background(), clerk.NewRequest(r), clerk.AcceptsToken(clerk.AnyToken))
		auth := state.Auth
		// What the route does.
		if err := auth.Protect(clerk.AcceptsToken(clerk.M2MToken, clerk.APIKey)); err != nil {
			fmt.Println("refused:", err.(*clerk.ProtectError).Decision.Status, state.Message)
			continue
		}
		fmt.Println(auth.TokenType, auth.Name, auth.UserID, auth.Scopes)
	}
	// Output:
	// api_key reporting script user_alice [reports:read]
	// refused: 401 API key not found (code=token-invalid, status=404)
}

// GetToken mints a token of a JWT template for the signed-in session, as
// Clerk's auth.getToken({ template: 'example' }).
func ExampleAuth_GetToken() {
	inst, err := clerkdev.Start(clerkdev.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer inst.Close()
	s := inst.Settings()
	client, err := clerk.New(clerk.Options{SecretKey: s.SecretKey, PublishableKey: s.PublishableKey,
		APIURL: s.APIURL, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		log.Fatal(err)
	}
	session, err := inst.CreateSession("user_alice")
	if err != nil {
		log.Fatal(err)
	}
	r := httptest.NewRequest("GET", "/api/me", nil)
	r.Header.Set("Authorization", "Bearer "+session.Token)
	auth := client.Authenticate(context.Background(), clerk.NewRequest(r)).Auth

	same, _ := auth.GetToken(context.Background())
	fmt.Println("no options, the session token:", same == session.Token)
	tmpl, err := auth.GetToken(context.Background(), clerk.Template("example"), clerk.ExpiresIn(5*time.Minute))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("a template token:", tmpl != "" && tmpl != session.Token)
	// Output:
	// no options, the session token: true
	// a template token: true
}
