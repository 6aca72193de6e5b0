package clerkdev

import (
	"strconv"
	"testing"
)

// Request paths come from whoever sends requests: the per-path counts stop
// growing at maxCountedPaths, and known paths keep counting.
func TestCountPathBounded(t *testing.T) {
	i := &Instance{byPath: map[string]int{}}
	i.countPath("/v1/jwks")
	for n := range 3 * maxCountedPaths {
		i.countPath("/random/" + strconv.Itoa(n))
	}
	i.countPath("/v1/jwks")
	if len(i.byPath) > maxCountedPaths {
		t.Errorf("%d paths counted, bound %d", len(i.byPath), maxCountedPaths)
	}
	if i.byPath["/v1/jwks"] != 2 {
		t.Errorf("a known path counted %d times, want 2", i.byPath["/v1/jwks"])
	}
}
