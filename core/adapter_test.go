package clerk_test

import (
	"context"
	"testing"

	clerk "github.com/clerkguard/clerkguard/core"
)

// valueStore is a context whose values come from a map, like fasthttp's
// user values behind fiber.Ctx.Value.
type valueStore struct {
	context.Context
	values map[any]any
}

func (v valueStore) Value(key any) any { return v.values[key] }

func TestAuthContextKey(t *testing.T) {
	a := &clerk.Auth{TokenType: clerk.SessionToken, IsAuthenticated: true, UserID: "user_1"}
	ctx := valueStore{context.Background(), map[any]any{clerk.AuthContextKey(): a}}
	if got := clerk.AuthFromContext(ctx); got != a {
		t.Fatalf("AuthFromContext(store with AuthContextKey) = %v, want the stored Auth", got)
	}
	if got := clerk.AuthFromContext(clerk.WithAuth(context.Background(), a)); got != a {
		t.Fatalf("WithAuth and AuthContextKey disagree: %v", got)
	}
	wrong := valueStore{context.Background(), map[any]any{clerk.AuthContextKey(): "not an Auth"}}
	if got := clerk.AuthFromContext(wrong); got == nil || got.IsSignedIn() {
		t.Fatalf("a non-Auth value gave %v, want a signed-out Auth", got)
	}
}
