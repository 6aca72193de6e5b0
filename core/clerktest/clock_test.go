package clerktest

import (
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t.Parallel()
	start := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	c := NewClock(start)
	if !c.Now().Equal(start) {
		t.Errorf("Now = %v, want %v", c.Now(), start)
	}
	var clock func() time.Time = c.Now // the shape of Options.Clock
	if got := c.Advance(90 * time.Second); !got.Equal(start.Add(90*time.Second)) || !clock().Equal(got) {
		t.Errorf("Advance returned %v, Now %v", got, clock())
	}
	c.Advance(-time.Hour)
	if want := start.Add(90*time.Second - time.Hour); !clock().Equal(want) {
		t.Errorf("after going back: %v, want %v", clock(), want)
	}
	c.Set(start)
	if !clock().Equal(start) {
		t.Errorf("after Set: %v", clock())
	}
}

func TestClockConcurrent(t *testing.T) {
	t.Parallel()
	c := NewClock(time.Unix(0, 0))
	var wg sync.WaitGroup
	for range 100 {
		wg.Go(func() {
			c.Advance(time.Second)
			_ = c.Now()
		})
	}
	wg.Wait()
	if got := c.Now().Unix(); got != 100 {
		t.Errorf("after 100 concurrent advances: %d", got)
	}
}
