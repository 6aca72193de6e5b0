package clerk

// TokenType names the kind of token an [Auth] was built from. The values are
// Clerk's own strings (the tokenType field of Clerk's JavaScript auth objects),
// so they can be compared with what Clerk's SDK reports.
//
// The zero value "" is the invalid-token type: it is the TokenType of the Auth
// returned when a request carried a token of a type the route does not accept
// (Clerk's invalid-token object, whose tokenType is null).
type TokenType string

// Token types (Clerk's TokenType).
const (
	// SessionToken is a Clerk session JWT, from the __session cookie or an
	// Authorization header. Clerk: 'session_token'.
	SessionToken TokenType = "session_token"
	// APIKey is a Clerk API key (opaque, "ak_..."). Clerk: 'api_key'.
	APIKey TokenType = "api_key"
	// M2MToken is a machine-to-machine token ("mt_..." or a machine JWT).
	// Clerk: 'm2m_token'.
	M2MToken TokenType = "m2m_token"
	// OAuthToken is an OAuth access token issued by Clerk ("oat_..." or an
	// OAuth JWT). Clerk: 'oauth_token'.
	OAuthToken TokenType = "oauth_token"
)
