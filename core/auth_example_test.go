package clerk_test

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"

	clerk "github.com/clerkguard/clerkguard/core"
)

// signedInMember is what clerk.AuthFromContext returns for a signed-in
// member of an organization with a v2 session token. Tests of an
// application can build an Auth the same way.
func signedInMember() *clerk.Auth {
	return &clerk.Auth{
		TokenType:       clerk.SessionToken,
		IsAuthenticated: true,
		UserID:          "user_2a",
		SessionID:       "sess_2a",
		SessionStatus:   "active",
		OrgID:           "org_2b",
		OrgRole:         "org:member",
		OrgSlug:         "acme",
		OrgPermissions:  []string{"org:invoices:read", "org:invoices:create"},
		// The first factor was verified 3 minutes ago; no second factor.
		FactorVerificationAge: []int{3, -1},
		Claims: &clerk.SessionClaims{
			Version:  2,
			Features: "o:invoices,u:dark_mode",
			Plans:    "o:business",
		},
	}
}

// Has is Clerk's auth.has(): organization roles and permissions, with or
// without the "org:" prefix.
func ExampleAuth_Has() {
	auth := signedInMember()

	fmt.Println(auth.Has(clerk.Role("org:member")))
	fmt.Println(auth.Has(clerk.Role("member")))
	fmt.Println(auth.Has(clerk.Role("org:admin")))
	fmt.Println(auth.Has(clerk.Permission("org:invoices:create")))
	fmt.Println(auth.Has(clerk.Permission("org:invoices:delete")))
	// Checks given together must all hold: has({ role, permission }).
	fmt.Println(auth.Has(clerk.Role("member"), clerk.Permission("org:invoices:delete")))
	// Output:
	// true
	// true
	// false
	// true
	// false
	// false
}

// Billing features and plans come from the fea and pla claims. A scope
// ("o:", "org:", "u:", "user:") narrows the check to the organization or the
// user.
func ExampleAuth_Has_billing() {
	auth := signedInMember()

	fmt.Println(auth.Has(clerk.Feature("invoices")))
	fmt.Println(auth.Has(clerk.Feature("user:invoices")))
	fmt.Println(auth.Has(clerk.Feature("u:dark_mode")))
	fmt.Println(auth.Has(clerk.Plan("org:business")))
	fmt.Println(auth.Has(clerk.Plan("pro")))
	// Output:
	// true
	// false
	// true
	// true
	// false
}

// Reverification checks how recently the user verified their credentials,
// from the fva claim. This user has no second factor, so "strict" falls back
// to the first factor, verified 3 minutes ago.
func ExampleReverification() {
	auth := signedInMember()

	fmt.Println(auth.Has(clerk.Reverification(clerk.Strict)))
	fmt.Println(auth.Has(clerk.Reverification(clerk.ReverificationConfig{Level: clerk.FirstFactor, AfterMinutes: 2})))

	// The requirement marshals as Clerk sends it to the browser.
	preset, _ := json.Marshal(clerk.Strict)
	custom, _ := json.Marshal(clerk.ReverificationConfig{Level: clerk.SecondFactor, AfterMinutes: 30})
	fmt.Println(string(preset), string(custom))
	// Output:
	// true
	// false
	// "strict" {"level":"second_factor","afterMinutes":30}
}

// A HasFunc lets a callback combine checks, as in Clerk's
// auth.protect((has) => has({ role: 'org:admin' }) || has({ permission: ... })).
func ExampleHasFunc() {
	canInvoice := func(has clerk.HasFunc) bool {
		return has(clerk.Role("admin")) || has(clerk.Permission("org:invoices:create"))
	}
	fmt.Println(canInvoice(signedInMember().Has))
	fmt.Println(canInvoice(clerk.AuthFromContext(context.Background()).Has))
	// Output:
	// true
	// false
}

// Middleware stores the Auth in the request context; any handler below it,
// plain net/http code included, reads it back. Without middleware the Auth is
// signed out, never nil.
func ExampleAuthFromContext() {
	handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth := clerk.AuthFromContext(r.Context())
		if !auth.IsSignedIn() {
			http.Error(w, "sign in first", http.StatusUnauthorized)
			return
		}
		fmt.Fprintf(w, "hello %s", auth.UserID)
	})

	for _, auth := range []*clerk.Auth{signedInMember(), nil} {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if auth != nil {
			req = req.WithContext(clerk.WithAuth(req.Context(), auth))
		}
		rec := httptest.NewRecorder()
		handler.ServeHTTP(rec, req)
		fmt.Println(rec.Code, rec.Body.String())
	}
	// Output:
	// 200 hello user_2a
	// 401 sign in first
}

// An Auth logs with Clerk's field names and never with its token.
func ExampleAuth_LogValue() {
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{} // keep the output stable
			}
			return a
		},
	}))
	logger.Info("request", "auth", signedInMember())
	fmt.Println(signedInMember())
	// Output:
	// level=INFO msg=request auth.tokenType=session_token auth.isAuthenticated=true auth.userId=user_2a auth.sessionId=sess_2a auth.sessionStatus=active auth.orgId=org_2b auth.orgRole=org:member auth.orgSlug=acme
	// Auth{tokenType=session_token isAuthenticated=true userId=user_2a sessionId=sess_2a sessionStatus=active orgId=org_2b orgRole=org:member orgSlug=acme}
}
