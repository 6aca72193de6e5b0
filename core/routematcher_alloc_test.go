//go:build !race

package clerk

import "testing"

// Matching typical patterns allocates nothing (the race detector's
// sync.Pool, which Go's regexp uses, would, hence the build tag).
func TestRouteMatcherZeroAlloc(t *testing.T) {
	m := MustRouteMatcher(benchPatterns...)
	for _, tt := range benchPaths {
		if n := minAllocs(200, func() { _, _ = m.MatchPath(tt.path) }); n != 0 {
			t.Errorf("%q: %v allocations per match", tt.path, n)
		}
	}
}
