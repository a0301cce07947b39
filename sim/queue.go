package sim

// eventKind says what a queued event does when its time comes.
type eventKind uint8

const (
	evTick         eventKind = iota + 1 // ref: peer index, gen: its incarnation
	evDeliver                           // ref: network slot, gen: the slot's generation
	evAction                            // the scenario's next action
	evClientWake                        // ref: client index, gen: its timer generation
	evClientArrive                      // ref: client message slot: a request reaches a peer
	evClientReply                       // ref: client message slot: a reply reaches a client
)

// event is one entry of the queue. Timers are data: an event that should no longer
// happen (a tick of a crashed peer, a dropped message) is not removed but recognized as
// stale by its generation when it comes up.
type event struct {
	at   int64
	seq  uint64 // global scheduling order: ties at the same time keep it
	late bool   // actions: after every other event at the same time
	kind eventKind
	ref  uint32
	gen  uint32
}

func (e *event) before(o *event) bool {
	if e.at != o.at {
		return e.at < o.at
	}
	if e.late != o.late {
		return o.late
	}
	return e.seq < o.seq
}

// eventQueue is a binary min-heap of events ordered by (at, late, seq). It is written
// out rather than built on container/heap so that push and pop do not box events.
type eventQueue struct {
	heap []event
	seq  uint64
}

func (q *eventQueue) len() int { return len(q.heap) }

// peek returns the next event; the queue must not be empty.
func (q *eventQueue) peek() *event { return &q.heap[0] }

// push schedules e, stamping it with the next sequence number.
func (q *eventQueue) push(e event) {
	q.seq++
	e.seq = q.seq
	q.heap = append(q.heap, e)
	q.up(len(q.heap) - 1)
}

// pop removes and returns the next event; the queue must not be empty.
func (q *eventQueue) pop() event {
	h := q.heap
	top := h[0]
	n := len(h) - 1
	h[0] = h[n]
	q.heap = h[:n]
	if n > 0 {
		q.down(0)
	}
	return top
}

func (q *eventQueue) up(i int) {
	h := q.heap
	for i > 0 {
		parent := (i - 1) / 2
		if !h[i].before(&h[parent]) {
			return
		}
		h[i], h[parent] = h[parent], h[i]
		i = parent
	}
}

func (q *eventQueue) down(i int) {
	h := q.heap
	n := len(h)
	for {
		least := i
		if l := 2*i + 1; l < n && h[l].before(&h[least]) {
			least = l
		}
		if r := 2*i + 2; r < n && h[r].before(&h[least]) {
			least = r
		}
		if least == i {
			return
		}
		h[i], h[least] = h[least], h[i]
		i = least
	}
}
