package clerk_test

import "testing"

// minAllocs is testing.AllocsPerRun taken three times, keeping the least:
// AllocsPerRun counts every allocation of the process, and a goroutine an
// earlier test left running (a background key refresh) can only add to it.
func minAllocs(runs int, f func()) float64 {
	least := testing.AllocsPerRun(runs, f)
	for range 2 {
		least = min(least, testing.AllocsPerRun(runs, f))
	}
	return least
}
