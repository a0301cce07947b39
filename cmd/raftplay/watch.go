package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/raftplay/raftplay/node"
	"github.com/spf13/cobra"
	"golang.org/x/term"
)

func init() { commands = append(commands, newWatchCommand) }

// Timing of watch.
const (
	watchRedrawEvery = 100 * time.Millisecond // at most this often on a terminal
	watchRetryEvery  = time.Second            // reconnecting to a node that is down
	maxSSELine       = 1 << 20                // longest line of an event stream
)

type watchFlags struct {
	addrs     []string
	token     string
	tokenFile string
	tail      int
	allEvents bool
	plain     bool
}

func newWatchCommand() *cobra.Command {
	var f watchFlags
	cmd := &cobra.Command{
		Use:   "watch",
		Short: "Watch running nodes live: role, term, leader, commit and last index, and their Raft events",
		Long: `watch follows each node's GET /events stream and shows, live, every node's role,
term, the leader it knows, its commit index, last applied and last log index,
with the most recent Raft events below (votes, elections, rejections,
truncations...). A node that goes down is shown as DOWN and reconnected to
every second, so you can kill -9 a node and watch the cluster react and the node
catch up after its restart.

On a terminal the view is redrawn in place; otherwise (a pipe, a file) watch
prints one line per change of a node's role, term, leader or reachability and
one per Raft event. Ctrl-C stops it. The frequent events (entries appended,
commit advanced, read confirmed) are left out unless --all-events is given.`,
		Example: `  raftplay watch
  raftplay watch --addr http://127.0.0.1:8001,http://127.0.0.1:8002 --tail 30
  raftplay watch --plain | grep election`,
		Args: usageArgs(cobra.NoArgs),
		RunE: func(cmd *cobra.Command, _ []string) error {
			if f.tail < 0 {
				return usageError(cmd, fmt.Errorf("--tail must not be negative, got %d", f.tail))
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			out := cmd.OutOrStdout()
			tty := false
			if file, ok := out.(*os.File); ok && !f.plain {
				tty = term.IsTerminal(int(file.Fd()))
			}
			return runWatch(ctx, out, f, tty)
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&f.addrs, "addr", []string{"http://127.0.0.1:8001", "http://127.0.0.1:8002", "http://127.0.0.1:8003"},
		"URL of a node's HTTP API; repeat or separate with commas")
	fl.StringVar(&f.token, "token", "", tokenFlagHelp)
	fl.StringVar(&f.tokenFile, "token-file", "", tokenFileFlagHelp+" (default: $"+tokenEnv+", else "+defaultClusterTokenFile+" if it exists)")
	fl.IntVar(&f.tail, "tail", 12, "number of recent events shown on a terminal")
	fl.BoolVar(&f.allEvents, "all-events", false, "also show the frequent events: entries appended, commit advanced, read confirmed")
	fl.BoolVar(&f.plain, "plain", false, "print lines instead of redrawing, even on a terminal")
	return cmd
}

// watchUpdate is what one node's stream reported.
type watchUpdate struct {
	node    int          // index in the --addr list
	status  *node.Status // a status event
	event   *node.Event  // a raft event
	dropped uint64       // a lagging event: events the node dropped for us
	down    error        // the stream failed or ended
}

// runWatch follows every node until ctx is done; tty selects the redrawn view.
func runWatch(ctx context.Context, out io.Writer, f watchFlags, tty bool) error {
	token, err := clientToken(f.token, f.tokenFile)
	if err != nil {
		return &exitError{code: 2, err: err}
	}
	clients := make([]*apiClient, len(f.addrs))
	for i, addr := range f.addrs {
		c, err := newAPIClient(addr, token, 0)
		if err != nil {
			return &exitError{code: 2, err: fmt.Errorf("%w\nrun 'raftplay watch --help' for usage", err)}
		}
		clients[i] = c
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	updates := make(chan watchUpdate, 256)
	done := make(chan struct{}, len(clients))
	for i, c := range clients {
		go func() {
			defer func() { done <- struct{}{} }()
			c.follow(ctx, i, updates)
		}()
	}
	view := newWatchView(clients, f.tail, f.allEvents)
	err = view.loop(ctx, out, updates, tty)
	cancel()
	for range clients {
		<-done
	}
	return err
}

// follow streams one node's events into updates, reconnecting when the stream fails.
func (c *apiClient) follow(ctx context.Context, idx int, updates chan<- watchUpdate) {
	send := func(u watchUpdate) bool {
		u.node = idx
		select {
		case updates <- u:
			return true
		case <-ctx.Done():
			return false
		}
	}
	for {
		err := c.streamEvents(ctx, send)
		if ctx.Err() != nil || !send(watchUpdate{down: err}) {
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(watchRetryEvery):
		}
	}
}

// streamEvents reads one /events stream until it fails; it always returns an error.
func (c *apiClient) streamEvents(ctx context.Context, send func(watchUpdate) bool) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/events", nil)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", "text/event-stream")
	c.authorize(req)
	resp, err := c.http.Do(req)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return errors.New("connection refused")
		}
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxAnswerBytes))
		return apiAnswer{status: resp.StatusCode, body: body, url: c.base}.error()
	}
	err = readSSE(resp.Body, func(event string, data []byte) error {
		u, err := decodeWatchEvent(event, data)
		if err != nil {
			return fmt.Errorf("%s/events: %w", c.base, err)
		}
		if u != nil && !send(*u) {
			return ctx.Err()
		}
		return nil
	})
	if err == nil {
		err = errors.New("the event stream ended (the node stopped)")
	}
	return err
}

// decodeWatchEvent turns one server-sent event into an update; unknown events give nil.
func decodeWatchEvent(event string, data []byte) (*watchUpdate, error) {
	switch event {
	case "status":
		var st node.Status
		if err := json.Unmarshal(data, &st); err != nil {
			return nil, fmt.Errorf("a status event that is not a node status: %w", err)
		}
		return &watchUpdate{status: &st}, nil
	case "raft":
		var ev node.Event
		if err := json.Unmarshal(data, &ev); err != nil {
			return nil, fmt.Errorf("a raft event that is not an event: %w", err)
		}
		return &watchUpdate{event: &ev}, nil
	case "lagging":
		var lag struct {
			Dropped uint64 `json:"dropped"`
		}
		if err := json.Unmarshal(data, &lag); err != nil {
			return nil, fmt.Errorf("a lagging event that is not {\"dropped\": N}: %w", err)
		}
		return &watchUpdate{dropped: lag.Dropped}, nil
	}
	return nil, nil
}

// readSSE reads a text/event-stream (the WHATWG Server-Sent Events format) and calls
// handle for each event with its type ("message" when none is given) and its data, the
// data lines joined by newlines. Comments and unknown fields are skipped. It returns
// nil at the end of the stream, the first error of handle, or a read error; a line
// longer than maxSSELine is an error.
func readSSE(r io.Reader, handle func(event string, data []byte) error) error {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), maxSSELine)
	var (
		event   string
		data    []byte
		hasData bool
	)
	for sc.Scan() {
		line := sc.Bytes()
		if len(line) == 0 {
			if hasData {
				if event == "" {
					event = "message"
				}
				if err := handle(event, data); err != nil {
					return err
				}
			}
			event, data, hasData = "", data[:0], false
			continue
		}
		if line[0] == ':' {
			continue // a comment, such as a keep-alive
		}
		field, value, _ := bytes.Cut(line, []byte(":"))
		value = bytes.TrimPrefix(value, []byte(" "))
		switch string(field) {
		case "event":
			event = string(value)
		case "data":
			if hasData {
				data = append(data, '\n')
			}
			data, hasData = append(data, value...), true
		}
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("read the event stream: %w", err)
	}
	return nil
}

// frequentEvents are left out of the view unless --all-events: a busy leader emits
// them thousands of times a second.
var frequentEvents = map[string]bool{"entries-appended": true, "commit-advanced": true, "read-confirmed": true}

// watchNode is what the view knows of one node.
type watchNode struct {
	addr   string
	up     bool
	seen   bool // a status has arrived at least once
	status node.Status
	err    string // why it is down
}

type watchEventLine struct {
	at   time.Time
	text string
}

// watchView is the state watch shows.
type watchView struct {
	nodes     []watchNode
	events    []watchEventLine // the last tail, oldest first
	tail      int
	allEvents bool
	now       func() time.Time
}

func newWatchView(clients []*apiClient, tail int, allEvents bool) *watchView {
	v := &watchView{tail: tail, allEvents: allEvents, now: time.Now}
	for _, c := range clients {
		v.nodes = append(v.nodes, watchNode{addr: c.base})
	}
	return v
}

// loop applies updates until ctx is done, printing lines or redrawing.
func (v *watchView) loop(ctx context.Context, out io.Writer, updates <-chan watchUpdate, tty bool) error {
	if !tty {
		for {
			select {
			case <-ctx.Done():
				return nil
			case u := <-updates:
				for _, line := range v.apply(u) {
					if _, err := fmt.Fprintln(out, line); err != nil {
						return fmt.Errorf("watch: write: %w", err)
					}
				}
			}
		}
	}
	fmt.Fprint(out, "\x1b[?25l\x1b[2J") // hide the cursor, clear the screen
	defer fmt.Fprint(out, "\x1b[?25h\n")
	ticker := time.NewTicker(watchRedrawEvery)
	defer ticker.Stop()
	dirty := true
	for {
		select {
		case <-ctx.Done():
			return nil
		case u := <-updates:
			v.apply(u)
			dirty = true
		case <-ticker.C:
			if !dirty {
				continue
			}
			dirty = false
			if _, err := io.WriteString(out, v.frame()); err != nil {
				return fmt.Errorf("watch: write: %w", err)
			}
		}
	}
}

// apply records an update and returns the lines a plain view prints for it.
func (v *watchView) apply(u watchUpdate) []string {
	n := &v.nodes[u.node]
	stamp := v.now().Format("15:04:05.000")
	var lines []string
	switch {
	case u.status != nil:
		changed := !n.up || !n.seen || n.status.State != u.status.State || n.status.Term != u.status.Term || n.status.Leader != u.status.Leader
		n.up, n.seen, n.status, n.err = true, true, *u.status, ""
		if changed {
			s := u.status
			lines = append(lines, fmt.Sprintf("%s node %d %s term %d leader %s commit %d last %d applied %d",
				stamp, s.ID, s.State, s.Term, leaderName(s.Leader), s.CommitIndex, s.LastIndex, s.LastApplied))
		}
	case u.event != nil:
		e := u.event
		if !v.allEvents && frequentEvents[e.Kind] {
			return nil
		}
		v.addEvent(e.Time, fmt.Sprintf("node %d  %-18s %s", e.Peer, e.Kind, e.Text))
		lines = append(lines, fmt.Sprintf("%s node %d event %s: %s", stamp, e.Peer, e.Kind, e.Text))
	case u.dropped > 0:
		text := fmt.Sprintf("%s lost %d events (watch fell behind)", v.nodeName(n), u.dropped)
		v.addEvent(v.now(), text)
		lines = append(lines, stamp+" "+text)
	case u.down != nil:
		wasUp := n.up || !n.seen && n.err == ""
		n.up, n.err = false, u.down.Error()
		if wasUp {
			text := fmt.Sprintf("%s DOWN: %s (retrying every %v)", v.nodeName(n), n.err, watchRetryEvery)
			v.addEvent(v.now(), text)
			lines = append(lines, stamp+" "+text)
		}
	}
	return lines
}

func (v *watchView) nodeName(n *watchNode) string {
	if n.seen {
		return fmt.Sprintf("node %d (%s)", n.status.ID, n.addr)
	}
	return n.addr
}

func (v *watchView) addEvent(at time.Time, text string) {
	if v.tail == 0 {
		return
	}
	if len(v.events) == v.tail {
		copy(v.events, v.events[1:])
		v.events = v.events[:v.tail-1]
	}
	v.events = append(v.events, watchEventLine{at: at, text: text})
}

// frame is the whole screen: home the cursor, each line cleared to its end, and the
// rest of the screen cleared.
func (v *watchView) frame() string {
	var b strings.Builder
	b.WriteString("\x1b[H")
	line := func(s string) {
		b.WriteString(s)
		b.WriteString("\x1b[K\n")
	}
	line(fmt.Sprintf("raftplay watch  %s  (Ctrl-C to quit)", v.now().Format("15:04:05")))
	line("")
	var table bytes.Buffer
	tw := tabwriter.NewWriter(&table, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "NODE\tADDRESS\tSTATE\tTERM\tLEADER\tCOMMIT\tLAST INDEX\tAPPLIED")
	for i := range v.nodes {
		n := &v.nodes[i]
		id := "?"
		if n.seen {
			id = fmt.Sprint(n.status.ID)
		}
		if !n.up {
			fmt.Fprintf(tw, "%s\t%s\tDOWN\t-\t-\t-\t-\t-\n", id, n.addr)
			continue
		}
		s := &n.status
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\n", id, n.addr, strings.ToUpper(s.State), s.Term,
			leaderName(s.Leader), s.CommitIndex, s.LastIndex, s.LastApplied)
	}
	_ = tw.Flush()
	for l := range strings.SplitSeq(strings.TrimSuffix(table.String(), "\n"), "\n") {
		line(l)
	}
	for i := range v.nodes {
		if n := &v.nodes[i]; !n.up {
			why := "connecting..."
			if n.err != "" {
				why = n.err
			}
			line(fmt.Sprintf("%s: %s", v.nodeName(n), why))
		}
	}
	line("")
	line("recent events:")
	for _, e := range v.events {
		line(fmt.Sprintf("  %s  %s", e.at.Format("15:04:05.000"), e.text))
	}
	b.WriteString("\x1b[J")
	return b.String()
}
