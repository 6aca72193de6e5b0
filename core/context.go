package clerk

import (
	"context"
	"fmt"
)

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
		// A context that is also a key store its Value does not fully
		// read (*gin.Context): see AuthContextKey.
		if st, ok := ctx.(interface{ Get(any) (any, bool) }); ok {
			if v, _ := st.Get(authContextKey{}); v != nil {
				if a, _ := v.(*Auth); a != nil {
					return a
				}
			}
		}
	}
	return signedOutAuth()
}

// WithAuthState is [WithAuth] for adapters that also keep per-request state
// of their own (the Protect error handler, say): the returned context
// carries a for [AuthFromContext] and a copy of state for
// [StateFromContext], in one context value, one allocation.
// S is best an unexported type of the adapter's package, so that no other
// package can read or replace it. A nil ctx is treated as
// context.Background().
func WithAuthState[S any](ctx context.Context, a *Auth, state S) context.Context {
	if ctx == nil {
		ctx = context.Background()
	}
	return &stateContext[S]{Context: ctx, auth: a, state: state}
}

// StateFromContext returns the state of type S that [WithAuthState] stored
// in ctx, or nil. The pointer is the context's own copy: changes to it are
// seen by every later reader of the same context.
func StateFromContext[S any](ctx context.Context) *S {
	if ctx == nil {
		return nil
	}
	p, _ := ctx.Value(stateContextKey[S]{}).(*S)
	return p
}

// stateContextKey is the context key of an adapter state of type S.
type stateContextKey[S any] struct{}

// stateContext holds the Auth and an adapter's state in one context node.
type stateContext[S any] struct {
	context.Context
	auth  *Auth
	state S
}

func (c *stateContext[S]) Value(key any) any {
	switch key.(type) {
	case authContextKey:
		return c.auth
	case stateContextKey[S]:
		return &c.state
	}
	return c.Context.Value(key)
}

// String names the context the way context.WithValue's do, without
// printing the Auth.
func (c *stateContext[S]) String() string {
	return fmt.Sprintf("%v.WithAuthState", c.Context)
}
