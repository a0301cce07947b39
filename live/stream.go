package live

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Timing of a page's stream.
const (
	streamFlushSampled = 250 * time.Millisecond // a pending "sampled" count goes out at least this often
	streamKeepAlive    = 15 * time.Second
	streamWriteTimeout = 10 * time.Second
	streamBatch        = 64 // items written between two flushes
)

// hub fans the items of every node out to the page streams without ever waiting for
// one: each stream has a buffer of fixed size; when it is full the item is counted
// against its node, and the stream says so with a "sampled" item before its next one.
type hub struct {
	bufLen, maxClients int

	mu      sync.Mutex
	clients map[*streamClient]struct{}
	done    chan struct{} // closed by close: the streams end
	closed  bool
}

// streamClient is one page's stream.
type streamClient struct {
	ch chan []byte // SSE frames, ready to write

	mu      sync.Mutex
	dropped map[uint64]uint64 // items lost per node id since the stream last said so
}

func newHub(bufLen, maxClients int) *hub {
	return &hub{bufLen: bufLen, maxClients: maxClients, clients: make(map[*streamClient]struct{}), done: make(chan struct{})}
}

// subscribe adds a stream; nil when MaxStreams are connected or the hub is closed.
func (h *hub) subscribe() *streamClient {
	h.mu.Lock()
	defer h.mu.Unlock()
	if h.closed || len(h.clients) >= h.maxClients {
		return nil
	}
	c := &streamClient{ch: make(chan []byte, h.bufLen), dropped: make(map[uint64]uint64)}
	h.clients[c] = struct{}{}
	return c
}

func (h *hub) unsubscribe(c *streamClient) {
	h.mu.Lock()
	defer h.mu.Unlock()
	delete(h.clients, c)
}

// close ends every stream.
func (h *hub) close() {
	h.mu.Lock()
	defer h.mu.Unlock()
	if !h.closed {
		h.closed = true
		close(h.done)
	}
}

// publish offers one item of node id to every stream. An item of type sseSampled
// carries no data: it adds weight to each stream's count of lost items of the node.
// Other items that a full stream cannot take count weight there too.
func (h *hub) publish(id uint64, event string, data []byte, weight uint64) {
	if event == sseSampled {
		h.mu.Lock()
		defer h.mu.Unlock()
		for c := range h.clients {
			c.lose(id, weight)
		}
		return
	}
	if data == nil {
		return // it could not be encoded
	}
	frame := sseFrame(event, data)
	h.mu.Lock()
	defer h.mu.Unlock()
	for c := range h.clients {
		select {
		case c.ch <- frame:
		default:
			c.lose(id, weight)
		}
	}
}

// lose counts n items of node id that this stream will not get.
func (c *streamClient) lose(id, n uint64) {
	c.mu.Lock()
	c.dropped[id] += n
	c.mu.Unlock()
}

// takeDropped returns the "sampled" frames for the items lost since the last call.
func (c *streamClient) takeDropped() [][]byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.dropped) == 0 {
		return nil
	}
	var frames [][]byte
	for _, id := range slices.Sorted(maps.Keys(c.dropped)) {
		frames = append(frames, sseFrame(sseSampled, fmt.Appendf(nil, `{"id":%d,"dropped":%d}`, id, c.dropped[id])))
	}
	clear(c.dropped)
	return frames
}

// sseFrame is one Server-Sent Event; data is one line of JSON.
func sseFrame(event string, data []byte) []byte {
	frame := make([]byte, 0, len(event)+len(data)+16)
	frame = append(frame, "event: "...)
	frame = append(frame, event...)
	frame = append(frame, "\ndata: "...)
	frame = append(frame, data...)
	return append(frame, "\n\n"...)
}

// handleStream serves GET /api/live/stream: the current state of every node, then
// the items as they come.
func (s *Server) handleStream(w http.ResponseWriter, r *http.Request) {
	c := s.hub.subscribe()
	if c == nil {
		w.Header().Set("Retry-After", "1")
		writeError(w, http.StatusServiceUnavailable, codeTooManyStreams, fmt.Sprintf("too many live streams (the limit is %d), or the server is stopping", s.opts.MaxStreams))
		return
	}
	defer s.hub.unsubscribe(c)
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	// The state so far, so that the page need not wait for the nodes to change.
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	for _, n := range s.snapshot() {
		if n.id == 0 {
			continue
		}
		if data := n.statusItem(); data != nil {
			if _, err := w.Write(sseFrame(sseStatus, data)); err != nil {
				return
			}
		}
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(streamFlushSampled)
	defer tick.Stop()
	lastWrite := time.Now()
	for {
		select {
		case frame := <-c.ch:
			if writeFrames(w, rc, frame, c) != nil {
				return
			}
			lastWrite = time.Now()
		case now := <-tick.C:
			frames := c.takeDropped()
			if len(frames) == 0 && now.Sub(lastWrite) < streamKeepAlive {
				continue
			}
			_ = rc.SetWriteDeadline(now.Add(streamWriteTimeout))
			frames = append(frames, []byte(": keep-alive\n\n"))
			for _, f := range frames {
				if _, err := w.Write(f); err != nil {
					return
				}
			}
			if rc.Flush() != nil {
				return
			}
			lastWrite = now
		case <-r.Context().Done():
			return
		case <-s.hub.done:
			return
		}
	}
}

// writeFrames writes first and whatever else is buffered (up to streamBatch items),
// then flushes. The lost-item counts wait for the next streamFlushSampled tick: a busy
// cluster loses some with nearly every item, and one count per node and tick says as
// much as hundreds.
func writeFrames(w io.Writer, rc *http.ResponseController, first []byte, c *streamClient) error {
	_ = rc.SetWriteDeadline(time.Now().Add(streamWriteTimeout))
	frame := first
	for i := 0; ; i++ {
		if _, err := w.Write(frame); err != nil {
			return err
		}
		if i+1 == streamBatch {
			break
		}
		select {
		case frame = <-c.ch:
			continue
		default:
		}
		break
	}
	return rc.Flush()
}
