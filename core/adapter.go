package clerk

// AuthContextKey returns the key under which [WithAuth] stores the *Auth in
// a context.Context.
//
// It is for adapters of frameworks whose per-request values are a store
// that context lookups read: Fiber keeps c.Locals in fasthttp's user
// values, which the Value methods of fiber.Ctx and *fasthttp.RequestCtx
// return, and which net/http handlers behind Fiber's adaptor see as their
// request context. An adapter that also stores the *Auth there under this
// key makes [AuthFromContext] work on all of those contexts. Gin's
// *gin.Context is a context.Context whose Value reads only string keys from
// its store (unless Engine.ContextWithFallback is set); [AuthFromContext]
// also asks a context's Get(any) (any, bool) method, so an adapter that
// calls c.Set(clerk.AuthContextKey(), auth) makes it work on c itself. The
// key gives no new power over the request: [WithAuth] is public too.
func AuthContextKey() any { return authContextKey{} }
