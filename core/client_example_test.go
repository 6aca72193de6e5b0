package clerk_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"time"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

// exampleInstance is a networkless production instance for the examples:
// the token key is given as JWTKey (Clerk's jwtKey option), so nothing is
// fetched. clerktest signs the session tokens a browser would carry.
func exampleInstance() (*clerk.Client, *clerktest.Key) {
	key := clerktest.MustNewKey()
	client, err := clerk.New(clerk.Options{
		PublishableKey: clerktest.LivePublishableKey("clerk.example.com"),
		JWTKey:         key.PublicKeyPEM(),
		SignInURL:      "https://accounts.example.com/sign-in",
		Logger:         slog.New(slog.DiscardHandler),
	})
	if err != nil {
		log.Fatal(err)
	}
	return client, key
}

// New validates the options once and returns a Client for every request.
// Mistakes are reported with the option's name.
func ExampleNew() {
	_, err := clerk.New(clerk.Options{SecretKey: "pk_test_not-a-secret-key"})
	fmt.Println(err)

	client, err := clerk.New(clerk.Options{
		SecretKey:      "sk_test_" + "0123456789abcdef0123456789abcdef01234567",
		PublishableKey: clerktest.PublishableKey("example.clerk.accounts.dev"),
	})
	if err != nil {
		log.Fatal(err)
	}
	defer client.Close()
	fmt.Println("ready")
	// Output:
	// clerk: SecretKey: not a Clerk secret key (expected sk_test_... or sk_live_...). Copy it from https://dashboard.clerk.com, API keys.
	// ready
}

// Authenticate is Clerk's authenticateRequest: the Authorization header, else
// the session cookie, never an error: problems are a signed-out state with
// Clerk's reason.
func ExampleClient_Authenticate() {
	client, key := exampleInstance()
	token := key.MustSign(clerktest.SessionV2("user_2a", "sess_2a", time.Now()))

	for _, authorization := range []string{"Bearer " + token, "Bearer not.a.token", ""} {
		r := httptest.NewRequest(http.MethodGet, "https://api.example.com/me", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		state := client.Authenticate(r.Context(), clerk.NewRequest(r))
		if state.IsAuthenticated() {
			fmt.Println(state.Status, state.Auth.UserID)
			continue
		}
		fmt.Println(state.Status, state.Reason)
	}
	// Output:
	// signed-in user_2a
	// signed-out token-invalid
	// signed-out session-token-and-uat-missing
}

// Protect is Clerk's auth.protect(): nil to go on, else a *ProtectError
// whose Decision is the response. A page is sent to sign-in; an API call
// gets 404, as in Clerk.
func ExampleAuth_Protect() {
	client, key := exampleInstance()
	member := key.MustSign(clerktest.SessionV2("user_2a", "sess_2a", time.Now(),
		clerktest.WithOrg(clerktest.Org{ID: "org_2b", Slug: "acme", Role: "org:member"})))

	decide := func(authorization, accept string, opts ...clerk.ProtectOption) {
		r := httptest.NewRequest(http.MethodGet, "https://app.example.com/admin", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		r.Header.Set("Accept", accept)
		auth := client.Authenticate(r.Context(), clerk.NewRequest(r)).Auth
		err := auth.Protect(opts...)
		if err == nil {
			fmt.Println("allowed", auth.UserID)
			return
		}
		d := err.(*clerk.ProtectError).Decision
		if loc := d.Header.Get("Location"); loc != "" {
			fmt.Println(d.Status, loc)
			return
		}
		fmt.Println(d.Status)
	}
	decide("Bearer "+member, "application/json")
	decide("Bearer "+member, "application/json", clerk.Role("org:admin"))
	decide("", "application/json")
	decide("", "text/html")
	// Output:
	// allowed user_2a
	// 404
	// 404
	// 307 https://accounts.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com%2Fadmin
}

// A Guard is clerkMiddleware for a framework of your own: it authenticates,
// runs the handler, and tells you what to write. The adapters (clerkgin,
// clerkecho, clerkchi, clerkfiber) are built on it.
func ExampleNewGuard() {
	client, key := exampleInstance()
	token := key.MustSign(clerktest.SessionV2("user_2a", "sess_2a", time.Now()))
	admins := clerk.MustRouteMatcher("/admin(.*)")
	guard := clerk.NewGuard(client, clerk.WithHandler(func(auth *clerk.Auth, req clerk.Request) error {
		if ok, err := admins.Match(req); err != nil || !ok {
			return err
		}
		return auth.Protect(clerk.Role("org:admin"))
	}))

	for _, path := range []string{"/reports", "/admin/users"} {
		r := httptest.NewRequest(http.MethodGet, "https://api.example.com"+path, nil)
		r.Header.Set("Authorization", "Bearer "+token)
		res := guard.Check(context.Background(), clerk.NewRequest(r))
		if res.Decision != nil {
			fmt.Println(path, "refused", res.Decision.Status)
			continue
		}
		fmt.Println(path, "allowed", res.Auth.UserID)
	}
	// Output:
	// /reports allowed user_2a
	// /admin/users refused 404
}

// A Protector is Protect(opts...) built once, when a route is registered;
// with WithAuthState it is what an adapter's Protect does per request.
func ExampleNewProtector() {
	client, key := exampleInstance()
	admin := key.MustSign(clerktest.SessionV2("user_2a", "sess_2a", time.Now(),
		clerktest.WithOrg(clerktest.Org{ID: "org_2b", Slug: "acme", Role: "org:admin"})))
	onlyAdmins := clerk.NewProtector(clerk.Role("org:admin"))

	type adapterState struct{ route string }
	r := httptest.NewRequest(http.MethodGet, "https://api.example.com/admin", nil)
	r.Header.Set("Authorization", "Bearer "+admin)
	auth := client.Authenticate(r.Context(), clerk.NewRequest(r)).Auth
	ctx := clerk.WithAuthState(r.Context(), auth, adapterState{route: "/admin"})

	// Later, in the route's handler chain:
	st := clerk.StateFromContext[adapterState](ctx)
	fmt.Println(st.route, onlyAdmins.Decide(clerk.AuthFromContext(ctx)) == nil)
	// An Auth that no middleware produced fails closed.
	fmt.Println(onlyAdmins.Decide(clerk.AuthFromContext(context.Background())).Status)
	// Output:
	// /admin true
	// 500
}

// NewFromEnv reads Clerk's environment variables (CLERK_SECRET_KEY,
// CLERK_PUBLISHABLE_KEY, ...), the names Clerk's other SDKs use. Its errors
// name the variable to set.
func ExampleNewFromEnv() {
	os.Unsetenv("CLERK_SECRET_KEY")
	os.Unsetenv("CLERK_JWT_KEY")
	os.Setenv("CLERK_PUBLISHABLE_KEY", clerktest.PublishableKey("example.clerk.accounts.dev"))
	defer os.Unsetenv("CLERK_PUBLISHABLE_KEY")

	_, err := clerk.NewFromEnv()
	var ce *clerk.ConfigError
	if errors.As(err, &ce) {
		fmt.Println(ce.Field, ce.Env)
	}
	// Output:
	// SecretKey CLERK_SECRET_KEY
}

// PerRequest builds the options from the request: one Clerk instance per
// tenant (Clerk's clerkMiddleware((auth, req) => ..., (req) => options)).
// Clients are built once per distinct options and cached.
func ExamplePerRequest() {
	keyOf := map[string]*clerktest.Key{"acme.example.com": clerktest.MustNewKey(), "globex.example.com": clerktest.MustNewKey()}
	tenants := clerk.PerRequest(func(req clerk.Request) (clerk.Options, error) {
		key, ok := keyOf[req.URL().Host]
		if !ok {
			return clerk.Options{}, errors.New("unknown tenant")
		}
		return clerk.Options{
			PublishableKey: clerktest.LivePublishableKey("clerk." + req.URL().Host),
			JWTKey:         key.PublicKeyPEM(),
		}, nil
	}, 100)

	call := func(host string, key *clerktest.Key) {
		r := httptest.NewRequest(http.MethodGet, "https://"+host+"/me", nil)
		r.Header.Set("Authorization", "Bearer "+key.MustSign(clerktest.SessionV2("user_1", "sess_1", time.Now())))
		s := tenants.Authenticate(r.Context(), clerk.NewRequest(r))
		fmt.Println(host, s.Status)
	}
	call("acme.example.com", keyOf["acme.example.com"])
	call("globex.example.com", keyOf["acme.example.com"]) // acme's token at globex
	call("initech.example.com", keyOf["acme.example.com"])
	// Output:
	// acme.example.com signed-in
	// globex.example.com signed-out
	// initech.example.com signed-out
}

// RedirectToSignIn is Clerk's redirectToSignIn(): a 307 to the sign-in page
// that brings the visitor back; Redirect sends the request anywhere else.
// Return either from a WithHandler function or a handler.
func ExampleAuth_RedirectToSignIn() {
	client, key := exampleInstance()
	noOrg := key.MustSign(clerktest.SessionV2("user_2a", "sess_2a", time.Now()))

	for _, authorization := range []string{"", "Bearer " + noOrg} {
		r := httptest.NewRequest(http.MethodGet, "https://app.example.com/orgs/settings", nil)
		if authorization != "" {
			r.Header.Set("Authorization", authorization)
		}
		auth := client.Authenticate(r.Context(), clerk.NewRequest(r)).Auth
		var err error
		switch {
		case !auth.IsAuthenticated:
			err = auth.RedirectToSignIn()
		case auth.OrgID == "":
			err = auth.Redirect("/select-org")
		}
		d := clerk.DecisionFor(err)
		fmt.Println(d.Status, d.Header.Get("Location"))
	}
	// Output:
	// 307 https://accounts.example.com/sign-in?redirect_url=https%3A%2F%2Fapp.example.com%2Forgs%2Fsettings
	// 307 https://app.example.com/select-org
}
