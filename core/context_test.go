package clerk

import (
	"context"
	"testing"
)

func TestAuthFromContext(t *testing.T) {
	t.Parallel()
	type otherKey struct{}
	var nilCtx context.Context // a nil context, which callers should not but may pass
	signedIn := &Auth{TokenType: SessionToken, IsAuthenticated: true, UserID: "user_1"}
	tests := []struct {
		name       string
		ctx        context.Context
		want       *Auth // nil: a fresh signed-out Auth
		wantSigned bool
	}{
		{"stored auth is returned as is", WithAuth(context.Background(), signedIn), signedIn, true},
		{"no auth gives signed out", context.Background(), nil, false},
		{"nil auth gives signed out", WithAuth(context.Background(), nil), nil, false},
		{"nil context gives signed out", nilCtx, nil, false},
		{"WithAuth accepts a nil context", WithAuth(nilCtx, signedIn), signedIn, true},
		{"another key does not collide", context.WithValue(context.Background(), otherKey{}, signedIn), nil, false},
		{"inner WithAuth wins", WithAuth(WithAuth(context.Background(), signedOutAuth()), signedIn), signedIn, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := AuthFromContext(tt.ctx)
			if got == nil {
				t.Fatal("AuthFromContext returned nil")
			}
			if tt.want != nil && got != tt.want {
				t.Errorf("AuthFromContext = %v, want the stored %v", got, tt.want)
			}
			if tt.want == nil && (got.TokenType != SessionToken || got.IsAuthenticated) {
				t.Errorf("AuthFromContext = %v, want a signed-out session object", got)
			}
			if got.IsSignedIn() != tt.wantSigned {
				t.Errorf("IsSignedIn() = %v, want %v", got.IsSignedIn(), tt.wantSigned)
			}
		})
	}
}
