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

// routine are the engine events a busy node sends by the hundred (node.FrequentEvent
// lets through up to 100 a second): the page sums them up per node in its narration
// and draws nothing from them, so one of each kind per node and linkWindow says as
// much; the others are counted as sampled.
var routine = map[string]bool{"entries-appended": true, "commit-advanced": true, "read-confirmed": true}

// link is one direction of a link: the node that reports the message and its
// destination. For a routine event, from is the node and to linkKindBase plus a
// number for the kind (routineKey).
type link struct{ from, to uint64 }

// routineKey is the budget key of node id's routine events of one kind.
func routineKey(id uint64, kind string) link {
	switch kind {
	case "entries-appended":
		return link{id, linkKindBase}
	case "commit-advanced":
		return link{id, linkKindBase + 1}
	default:
		return link{id, linkKindBase + 2}
	}
}

// linkKindBase is above every node id (node ids are small: maxNodes).
const linkKindBase = 1 << 62

// thinner keeps the message budget of each link (the goroutines following the nodes
// share it).
type thinner struct {
	mu      sync.Mutex
	windows map[link]linkBudget
	held    map[link]heldEvent // the latest routine event over its budget, per node and kind
}

type linkBudget struct {
	start time.Time // when the current window began
	sent  int       // message items passed on in it
}

func newThinner() *thinner {
	return &thinner{windows: make(map[link]linkBudget), held: make(map[link]heldEvent)}
}

// allow reports whether a message from → to at now may be passed on.
func (t *thinner) allow(from, to uint64, now time.Time) bool {
	return t.take(link{from, to}, now)
}

// event decides about node id's engine event of this kind at now, encoded as item
// (the stream's "event" data). An event that is not routine passes. A routine one
// passes if its kind's budget allows; otherwise it is held, replacing the one held
// before (replaced: that one is lost), so that the last of a burst still reaches the
// page: a later event of the kind in a new window brings it out first (earlier), and
// so does flush.
func (t *thinner) event(id uint64, kind string, now time.Time, item []byte) (pass bool, earlier []byte, replaced bool) {
	if !routine[kind] {
		return true, nil, false
	}
	k := routineKey(id, kind)
	t.mu.Lock()
	defer t.mu.Unlock()
	if b := t.windows[k]; now.Sub(b.start) >= linkWindow || now.Before(b.start) {
		earlier = t.held[k].item
		delete(t.held, k)
	}
	if t.takeLocked(k, now) {
		return true, earlier, false
	}
	_, replaced = t.held[k]
	t.held[k] = heldEvent{id: id, item: item}
	return false, nil, replaced
}

// heldEvent is a routine event waiting for its kind's next window.
type heldEvent struct {
	id   uint64
	item []byte
}

// flush returns the held events whose window is over (Server.Run calls it on its
// ticker): each counts as the one event of a new window.
func (t *thinner) flush(now time.Time) []heldEvent {
	t.mu.Lock()
	defer t.mu.Unlock()
	var out []heldEvent
	for k, h := range t.held {
		if b := t.windows[k]; now.Sub(b.start) >= linkWindow || now.Before(b.start) {
			out = append(out, h)
			delete(t.held, k)
			t.windows[k] = linkBudget{start: now, sent: 1}
		}
	}
	return out
}

// take spends one of k's budget in the window of now, if any is left.
func (t *thinner) take(k link, now time.Time) bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return t.takeLocked(k, now)
}

// takeLocked is take with t.mu held.
func (t *thinner) takeLocked(k link, now time.Time) bool {
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
