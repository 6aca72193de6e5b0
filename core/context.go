package clerk

import "context"

// authContextKey is the context key of the request's *Auth. Being an
// unexported type, no other package can read or overwrite the value.
type authContextKey struct{}

// WithAuth returns a copy of ctx that carries a. Middleware calls it so that
// handlers and any code below them (plain net/http code included) can call
// [AuthFromContext]. A nil ctx is treated as context.Background().
func WithAuth(ctx context.Context, a *Auth) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return context.WithValue(ctx, authContextKey{}, a)
}

// AuthFromContext returns the *Auth stored by [WithAuth]. It is never nil:
// when ctx carries no Auth (the middleware did not run) or a nil one, it
// returns a signed-out Auth, so
//
//	if !clerk.AuthFromContext(r.Context()).IsSignedIn() { ... }
//
// is always safe. It is the Go form of Clerk's auth() / getAuth(req).
func AuthFromContext(ctx context.Context) *Auth {
	if ctx != nil {
		if a, _ := ctx.Value(authContextKey{}).(*Auth); a != nil {
			return a
		}
	}
	return signedOutAuth()
}
