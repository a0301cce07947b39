package share

import (
	"fmt"
	"math"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// DefaultPerMinute is how many scenarios one client address may share a minute with
// `raftplay serve`'s default: a learner shares a few by hand; a script that posts
// thousands would fill the share folder.
const DefaultPerMinute = 10

// MaxClients bounds the addresses a Limiter remembers, so that its memory is bounded
// however many addresses post: past it, addresses whose bucket has refilled are
// forgotten, and while it is still full a new address waits like an emptied one.
const MaxClients = 4096

// Limiter is a token bucket per client address for POST /api/share: an address may
// share PerMinute scenarios at once, and one more every minute/PerMinute after that.
// It keys on the connection's address (an IPv6 address by its /64, which one machine
// usually has whole), never on a header a client could forge (X-Forwarded-For), so
// behind a reverse proxy every client shares the proxy's bucket. The clock is a field,
// so tests step it. It is safe for concurrent use.
type Limiter struct {
	perMinute int
	now       func() time.Time
	mu        sync.Mutex
	clients   map[netip.Prefix]bucket
}

// bucket is one address's tokens as of at: it holds at most perMinute tokens and
// gains perMinute a minute.
type bucket struct {
	tokens float64
	at     time.Time
}

// NewLimiter returns a limiter of perMinute scenarios a minute per address, reading
// the time from now (time.Now when nil).
func NewLimiter(perMinute int, now func() time.Time) (*Limiter, error) {
	if perMinute <= 0 {
		return nil, fmt.Errorf("share: a limit of %d scenarios a minute: it must be positive", perMinute)
	}
	if now == nil {
		now = time.Now
	}
	return &Limiter{perMinute: perMinute, now: now, clients: map[netip.Prefix]bucket{}}, nil
}

// PerMinute is how many scenarios an address may share a minute.
func (l *Limiter) PerMinute() int { return l.perMinute }

// Allow takes a token for the client at remoteAddr (an http.Request's RemoteAddr,
// host:port). When the client has none left it returns false and how long until it
// has one again.
func (l *Limiter) Allow(remoteAddr string) (bool, time.Duration) {
	key := clientKey(remoteAddr)
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b, known := l.clients[key]
	if !known {
		if len(l.clients) >= MaxClients {
			l.forgetRefilled(now)
		}
		if len(l.clients) >= MaxClients {
			return false, l.interval()
		}
		b = bucket{tokens: float64(l.perMinute), at: now}
	}
	b = l.refill(b, now)
	if b.tokens < 1 {
		l.clients[key] = b
		return false, time.Duration(math.Ceil((1 - b.tokens) * float64(l.interval())))
	}
	b.tokens--
	l.clients[key] = b
	return true, 0
}

// Take is Allow for r's connection address (r.RemoteAddr): a Limiter is a Gate.
func (l *Limiter) Take(r *http.Request) (bool, time.Duration, error) {
	ok, wait := l.Allow(r.RemoteAddr)
	return ok, wait, nil
}

// interval is how long one token takes to come back.
func (l *Limiter) interval() time.Duration { return time.Minute / time.Duration(l.perMinute) }

// refill adds the tokens earned since b.at, up to perMinute.
func (l *Limiter) refill(b bucket, now time.Time) bucket {
	if elapsed := now.Sub(b.at); elapsed > 0 {
		b.tokens = math.Min(float64(l.perMinute), b.tokens+float64(elapsed)/float64(l.interval()))
	}
	b.at = now
	return b
}

// forgetRefilled drops the addresses whose bucket is full again: forgetting them
// changes nothing, since a new address starts full.
func (l *Limiter) forgetRefilled(now time.Time) {
	for key, b := range l.clients {
		if l.refill(b, now).tokens >= float64(l.perMinute) {
			delete(l.clients, key)
		}
	}
}

// clientKey is the bucket of remoteAddr: its IPv4 address, or its IPv6 /64. An address
// that does not parse (not TCP) shares the zero key.
func clientKey(remoteAddr string) netip.Prefix {
	addrPort, err := netip.ParseAddrPort(remoteAddr)
	if err != nil {
		return netip.Prefix{}
	}
	addr := addrPort.Addr().Unmap().WithZone("")
	bits := 32
	if addr.Is6() {
		bits = 64
	}
	prefix, _ := addr.Prefix(bits) // bits fits the address: cannot fail
	return prefix
}
