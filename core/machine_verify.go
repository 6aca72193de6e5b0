package clerk

import "context"

// verifyMachineToken verifies an API key, M2M token or OAuth access token
// (spec §6.2-§6.5) and returns its machine Auth.
//
// Until machine-token verification lands, every machine token fails closed.
func (c *Client) verifyMachineToken(ctx context.Context, token string, tt TokenType) (*Auth, error) {
	return nil, &MachineTokenError{Code: MachineErrUnexpected, Message: "Machine token verification is not available", TokenType: tt}
}

// unauthenticatedMachineAuth is the machine auth object of type tt with no
// token (spec §4.3).
func unauthenticatedMachineAuth(tt TokenType) *Auth {
	a := signedOutAuth()
	a.TokenType = tt
	return a
}
