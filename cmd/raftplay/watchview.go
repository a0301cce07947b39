package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/raftplay/raftplay/node"
)

// The view of raftplay watch: what it knows of each node and the recent events, shown
// as lines (a pipe) or as a frame redrawn in place (a terminal). watch.go feeds it.

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

func newWatchView(addrs []string, tail int, allEvents bool) *watchView {
	v := &watchView{tail: tail, allEvents: allEvents, now: time.Now}
	for _, addr := range addrs {
		v.nodes = append(v.nodes, watchNode{addr: addr})
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
		changed := !n.up || !n.seen || n.status.Role != u.status.Role || n.status.Term != u.status.Term || n.status.Leader != u.status.Leader
		n.up, n.seen, n.status, n.err = true, true, *u.status, ""
		if changed {
			s := u.status
			lines = append(lines, fmt.Sprintf("%s node %d %s term %d leader %s commit %d last %d applied %d",
				stamp, s.ID, s.Role, s.Term, leaderName(s.Leader), s.CommitIndex, s.LastIndex, s.LastApplied))
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
	fmt.Fprintln(tw, "NODE\tADDRESS\tROLE\tTERM\tLEADER\tCOMMIT\tLAST INDEX\tAPPLIED")
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
		fmt.Fprintf(tw, "%s\t%s\t%s\t%d\t%s\t%d\t%d\t%d\n", id, n.addr, strings.ToUpper(s.Role), s.Term,
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
