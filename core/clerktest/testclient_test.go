package clerktest_test

import (
	"context"
	"net/http/httptest"
	"testing"

	clerk "github.com/clerkguard/clerkguard/core"
	"github.com/clerkguard/clerkguard/core/clerktest"
)

func TestNewTestClient(t *testing.T) {
	t.Parallel()
	tc := clerktest.NewTestClient(t, func(o *clerk.Options) { o.AuthorizedParties = []string{clerktest.DefaultAuthorizedParty} })
	r := httptest.NewRequest("GET", "https://app.example.com/api", nil)
	r.Header.Set("Authorization", "Bearer "+tc.Token("user_1", clerktest.WithOrg(clerktest.Org{ID: "org_1", Slug: "acme", Role: "admin"})))
	s := tc.Client.Authenticate(context.Background(), clerk.NewRequest(r))
	if !s.IsAuthenticated() || s.Auth.UserID != "user_1" || s.Auth.OrgRole != "org:admin" {
		t.Fatalf("state %s %s, auth %v", s.Status, s.Reason, s.Auth)
	}
	if tc.JWKS.Requests() != 1 {
		t.Errorf("JWKS requests = %d, want 1", tc.JWKS.Requests())
	}
	// A token of another key is refused.
	other := clerktest.NewTestClient(t)
	r.Header.Set("Authorization", "Bearer "+other.Token("user_1"))
	if s := tc.Client.Authenticate(context.Background(), clerk.NewRequest(r)); s.IsAuthenticated() {
		t.Fatal("a token of another instance was accepted")
	}
}
