package clerkdev

import (
	"crypto/sha1"
	"encoding/base64"
)

// publishableKey returns the development publishable key of the instance
// whose Frontend API host is host: "pk_test_" followed by the unpadded
// standard base64 of host+"$". It matches clerk.MakePublishableKey(host,
// false); clerkdev cannot import package clerk (the core's own tests use
// clerkdev), so the few lines are repeated here and an external test checks
// that both agree.
func publishableKey(host string) string {
	return "pk_test_" + base64.RawStdEncoding.EncodeToString([]byte(host+"$"))
}

// cookieSuffix returns the suffix Clerk appends to cookie names for the
// publishable key pk: the first 8 characters of the URL-safe base64 of the
// key's SHA-1 digest (spec §1.4). It matches clerk.CookieSuffix.
func cookieSuffix(pk string) string {
	sum := sha1.Sum([]byte(pk))
	return base64.RawURLEncoding.EncodeToString(sum[:])[:8]
}
