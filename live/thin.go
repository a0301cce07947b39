package live

import (
	"sync"
	"time"
)

// A page draws at most a few messages per link at once (web/js/live-model.js:
// MAX_PER_LINK, each crossing for 500 ms), so a busy cluster's hundreds of messages a
// second are mostly work for the page to throw away. The server passes on at most
// linkMessages message items per link and direction in each linkWindow, and counts
// the others as sampled; statuses that only move indices go out at most every
// statusGap. Both hold for every page at once: they thin the items before the hub
// fans them out.
const (
	linkWindow   = 100 * time.Millisecond
	linkMessages = 1
	statusGap    = 200 * time.Millisecond
)

// link is one direction of a link: the node that reports the message and its
// destination.
type link struct{ from, to uint64 }

// thinner keeps the message budget of each link (the goroutines following the nodes
// share it).
type thinner struct {
	mu      sync.Mutex
	windows map[link]linkBudget
}

type linkBudget struct {
	start time.Time // when the current window began
	sent  int       // message items passed on in it
}

func newThinner() *thinner { return &thinner{windows: make(map[link]linkBudget)} }

// allow reports whether a message from → to at now may be passed on.
func (t *thinner) allow(from, to uint64, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	k := link{from, to}
	b := t.windows[k]
	if now.Sub(b.start) >= linkWindow || now.Before(b.start) {
		b = linkBudget{start: now}
	}
	if b.sent >= linkMessages {
		t.windows[k] = b
		return false
	}
	b.sent++
	t.windows[k] = b
	return true
}

// statusKey is what of a node's status a page must see at once: its role, term,
// leader and cut links (a change of any is drawn at once). Indices may wait for the
// next status.
type statusKey struct {
	Role     string   `json:"role"`
	Term     uint64   `json:"term"`
	Leader   uint64   `json:"leader"`
	CutLinks []uint64 `json:"cut_links"`
	Removed  bool     `json:"removed"`
	Last     uint64   `json:"last_index"`
}

// urgent reports whether a status with key now must go out before statusGap because
// of what changed since the status last sent (was): the log shrinking (a truncation)
// too.
func (now statusKey) urgent(was statusKey) bool {
	if now.Role != was.Role || now.Term != was.Term || now.Leader != was.Leader || now.Removed != was.Removed || now.Last < was.Last {
		return true
	}
	if len(now.CutLinks) != len(was.CutLinks) {
		return true
	}
	for i := range now.CutLinks {
		if now.CutLinks[i] != was.CutLinks[i] {
			return true
		}
	}
	return false
}
