package share

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// steppedClock is a clock a test moves by hand.
type steppedClock struct{ now time.Time }

func (c *steppedClock) read() time.Time               { return c.now }
func (c *steppedClock) step(d time.Duration)          { c.now = c.now.Add(d) }
func newSteppedClock() *steppedClock                  { return &steppedClock{now: time.Unix(1_700_000_000, 0)} }
func allowed(ok bool, _ time.Duration) bool           { return ok }
func waitOf(_ bool, wait time.Duration) time.Duration { return wait }

func TestLimiterIsATokenBucketPerAddress(t *testing.T) {
	clock := newSteppedClock()
	l, err := NewLimiter(6, clock.read) // one token every 10 s, 6 at once
	require.NoError(t, err)
	for i := range 6 {
		assert.True(t, allowed(l.Allow("192.0.2.1:4000")), "burst post %d", i)
	}
	ok, wait := l.Allow("192.0.2.1:4001")
	assert.False(t, ok, "the burst is spent, whatever the port")
	assert.Equal(t, 10*time.Second, wait)
	assert.True(t, allowed(l.Allow("192.0.2.2:4000")), "another address has its own bucket")

	clock.step(4 * time.Second)
	assert.Equal(t, 6*time.Second, waitOf(l.Allow("192.0.2.1:4000")), "a refused post takes nothing")
	clock.step(6 * time.Second)
	assert.True(t, allowed(l.Allow("192.0.2.1:4000")), "one token back after 10 s")
	assert.False(t, allowed(l.Allow("192.0.2.1:4000")))

	clock.step(time.Hour)
	for i := range 6 {
		assert.True(t, allowed(l.Allow("192.0.2.1:4000")), "refilled to the burst, no more: post %d", i)
	}
	assert.False(t, allowed(l.Allow("192.0.2.1:4000")))
}

func TestLimiterKeysIPv6ByItsSlash64(t *testing.T) {
	l, err := NewLimiter(1, newSteppedClock().read)
	require.NoError(t, err)
	assert.True(t, allowed(l.Allow("[2001:db8:1:2::1]:80")))
	assert.False(t, allowed(l.Allow("[2001:db8:1:2:ffff::9]:80")), "the same /64")
	assert.True(t, allowed(l.Allow("[2001:db8:1:3::1]:80")), "another /64")
	assert.True(t, allowed(l.Allow("[::ffff:192.0.2.7]:80")), "an IPv4-mapped address is its IPv4 address")
	assert.False(t, allowed(l.Allow("192.0.2.7:81")))
	assert.True(t, allowed(l.Allow("@unix")), "an address that does not parse has a bucket too")
	assert.False(t, allowed(l.Allow("also not an address")))
}

// However many addresses post, the limiter remembers at most MaxClients: full buckets
// are forgotten first, and while every one is in use a new address waits.
func TestLimiterMemoryIsBounded(t *testing.T) {
	clock := newSteppedClock()
	l, err := NewLimiter(2, clock.read)
	require.NoError(t, err)
	addr := func(i int) string { return fmt.Sprintf("10.%d.%d.%d:1", i>>16&255, i>>8&255, i&255) }
	for i := range MaxClients {
		require.True(t, allowed(l.Allow(addr(i))))
	}
	ok, wait := l.Allow(addr(MaxClients))
	assert.False(t, ok, "every remembered bucket is in use")
	assert.Equal(t, 30*time.Second, wait)
	assert.Len(t, l.clients, MaxClients)

	clock.step(30 * time.Second) // every bucket is full again
	assert.True(t, allowed(l.Allow(addr(MaxClients))))
	assert.Len(t, l.clients, 1, "the refilled buckets were forgotten")
}

func TestNewLimiterRefusesANonPositiveLimit(t *testing.T) {
	for _, n := range []int{0, -1} {
		_, err := NewLimiter(n, nil)
		assert.ErrorContains(t, err, "must be positive", "%d", n)
	}
}
