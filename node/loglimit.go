package node

import (
	"sync"
	"time"
)

// logLimiter keeps a flood of one kind of warning (forged messages, refused
// connections) from flooding the log: for each key it lets the first line through,
// then at most one per interval, and counts the lines it held back so that the next
// one can say how many there were.
type logLimiter struct {
	interval time.Duration
	mu       sync.Mutex
	keys     map[string]*limitState
}

type limitState struct {
	last       time.Time // when a line of this key was last let through
	suppressed int       // lines held back since then
}

// maxLimiterKeys bounds the keys remembered; past it the oldest state is forgotten
// wholesale, which at worst lets one more line per key through.
const maxLimiterKeys = 1024

func newLogLimiter(interval time.Duration) *logLimiter {
	return &logLimiter{interval: interval, keys: make(map[string]*limitState)}
}

// allow reports whether a line of key may be logged at now, and how many lines of key
// were held back before it.
func (l *logLimiter) allow(key string, now time.Time) (ok bool, suppressed int) {
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.keys[key]
	if st == nil {
		if len(l.keys) >= maxLimiterKeys {
			clear(l.keys)
		}
		l.keys[key] = &limitState{last: now}
		return true, 0
	}
	if now.Sub(st.last) < l.interval {
		st.suppressed++
		return false, 0
	}
	suppressed = st.suppressed
	st.last, st.suppressed = now, 0
	return true, suppressed
}
