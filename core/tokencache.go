package clerk

import (
	"sync"
)

// tokenCache remembers session tokens that passed verification, so a token
// a single-page app sends with every API call for its 60-second life is
// RSA-verified once (design §4.5). Only the signature, key and static claim
// checks (sub, aud, azp) are skipped on a hit: exp, nbf and iat are checked
// on every request. The whole cache is dropped when the key set changes.
type tokenCache struct {
	mu         sync.RWMutex
	m          map[string]*cachedToken
	gen        uint64 // key-set generation the entries were verified with
	bytes      int64
	maxEntries int
	maxBytes   int64
}

type cachedToken struct {
	claims *SessionClaims
	kind   tokenKind
	size   int64
}

// Defaults for the verified-token cache.
const (
	DefaultTokenCacheEntries = 10_000
	DefaultTokenCacheBytes   = 32 << 20
)

func newTokenCache(entries int, maxBytes int64) *tokenCache {
	if entries < 0 {
		return nil
	}
	if entries == 0 {
		entries = DefaultTokenCacheEntries
	}
	if maxBytes <= 0 {
		maxBytes = DefaultTokenCacheBytes
	}
	return &tokenCache{m: make(map[string]*cachedToken), maxEntries: entries, maxBytes: maxBytes}
}

// get returns the cached verification of token under key-set generation gen.
func (t *tokenCache) get(token string, gen uint64) *cachedToken {
	if t == nil {
		return nil
	}
	t.mu.RLock()
	var e *cachedToken
	if t.gen == gen {
		e = t.m[token]
	}
	t.mu.RUnlock()
	return e
}

// put stores a verified token. Entries past the bounds are evicted in the
// map's (random) order, which costs nothing to maintain and gives an
// attacker no eviction order to exploit. A token stored again (requests
// that verified the same new token concurrently) replaces its entry; an
// entry larger than the whole byte bound is not stored.
func (t *tokenCache) put(token string, gen uint64, claims *SessionClaims, kind tokenKind) {
	if t == nil {
		return
	}
	size := int64(len(token)+len(claims.raw)) + 512 // struct and map overhead
	if size > t.maxBytes {
		return
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	switch {
	case gen < t.gen:
		// Verified under a key set that has been replaced since: the entry
		// could never be served, and starting over would drop the newer
		// entries.
		return
	case gen > t.gen:
		clear(t.m)
		t.bytes, t.gen = 0, gen
	}
	if old, ok := t.m[token]; ok {
		// Out of the map first, so that the eviction below neither counts
		// it twice nor evicts another entry to make room for it.
		delete(t.m, token)
		t.bytes -= old.size
	}
	for k, v := range t.m {
		if len(t.m) < t.maxEntries && t.bytes+size <= t.maxBytes {
			break
		}
		delete(t.m, k)
		t.bytes -= v.size
	}
	t.m[token] = &cachedToken{claims: claims, kind: kind, size: size}
	t.bytes += size
}

// remove drops a token whose time claims no longer pass.
func (t *tokenCache) remove(token string) {
	if t == nil {
		return
	}
	t.mu.Lock()
	if e, ok := t.m[token]; ok {
		delete(t.m, token)
		t.bytes -= e.size
	}
	t.mu.Unlock()
}
