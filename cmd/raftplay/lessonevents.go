package main

import (
	"fmt"
	"strings"

	"github.com/raftplay/raftplay/sim"
)

// What `raftplay lesson run` prints of the trace: the engine's decisions in its own
// words (engine.Event.Describe), the messages, the clients' requests and replies and
// what was done to the cluster. Heartbeats and their replies are left out: a leader
// sends them every few ticks and they would bury the rest. Deliveries are left out
// too, since the decision a delivery causes is printed, and each message was printed
// when it was sent; except for a message that was duplicated or delayed, whose
// arrival is the point.

// maxEventLines bounds the events printed at once; beyond it the first and the last
// are printed, with how many were skipped in between.
const maxEventLines = 60

// showEvents prints the trace events since the last call.
func (p *player) showEvents() { p.showEventsOf(p.r.Cluster()) }

// showEventsOf prints the trace events of c since the last call (c is the runner's
// cluster or a copy of it).
func (p *player) showEventsOf(c *sim.Cluster) {
	var lines []string
	for _, ev := range c.Events(p.seen) {
		switch ev.Kind {
		case "duplicate":
			p.watch[ev.Msg], p.watch[ev.Copy] = true, true
		case "delay":
			p.watch[ev.Msg] = true
		case "deliver":
			if p.watch[ev.Msg] {
				delete(p.watch, ev.Msg)
				lines = append(lines, fmt.Sprintf("  %6d ms  delivers %s (duplicated or delayed)", ev.Time, messageText(&ev)))
			}
			continue
		}
		if line, ok := eventLine(&ev); ok {
			lines = append(lines, line)
		}
	}
	p.seen = c.TraceLen()
	if len(lines) > maxEventLines {
		half := maxEventLines / 2
		skipped := len(lines) - 2*half
		lines = append(append(lines[:half:half], fmt.Sprintf("           ... %d more events ...", skipped)), lines[len(lines)-half:]...)
	}
	for _, l := range lines {
		fmt.Fprintln(p.out, l)
	}
}

// eventLine is one event as a line of the terminal view, or false for one left out.
func eventLine(ev *sim.TraceEvent) (string, bool) {
	var text string
	switch {
	case ev.Engine:
		text = ev.Text
	case ev.Kind == "send":
		if ev.MsgType == "Heartbeat" || ev.MsgType == "HeartbeatResp" {
			return "", false
		}
		text = "sends " + messageText(ev)
	case ev.Kind == "deliver":
		return "", false
	case ev.Kind == "drop" || ev.Kind == "lost" || ev.Kind == "duplicate" || ev.Kind == "delay":
		if ev.MsgType == "Heartbeat" || ev.MsgType == "HeartbeatResp" {
			return "", false
		}
		text = ev.Kind + " " + messageText(ev)
		if _, why, ok := strings.Cut(ev.Text, ": "); ok && (ev.Kind == "drop" || ev.Kind == "lost") {
			text += ": " + why
		}
	case ev.Kind == "violation":
		text = "SAFETY VIOLATION: " + ev.Text
	default:
		text = ev.Text
	}
	return fmt.Sprintf("  %6d ms  %s", ev.Time, text), true
}

// messageText describes a message by its type and the fields that matter for it, in
// words: "S1 -> S2 AppendEntries term 2: after entry 3 (term 2), 1 entry, commit 3".
func messageText(ev *sim.TraceEvent) string {
	head := fmt.Sprintf("S%d -> S%d %s term %d", ev.From, ev.To, ev.MsgType, ev.Term)
	switch ev.MsgType {
	case "AppendEntries":
		n := "entries"
		if ev.Entries == 1 {
			n = "entry"
		}
		return fmt.Sprintf("%s: after entry %d (term %d), %d %s, commit %d", head, ev.Index, ev.LogTerm, ev.Entries, n, ev.Commit)
	case "AppendEntriesResp":
		if ev.Reject {
			return fmt.Sprintf("%s: rejected (no match at index %d)", head, ev.Index)
		}
		return fmt.Sprintf("%s: accepted, matches up to index %d", head, ev.Index)
	case "RequestVote", "PreVote":
		return fmt.Sprintf("%s: last entry %d (term %d)", head, ev.Index, ev.LogTerm)
	case "RequestVoteResp", "PreVoteResp":
		if ev.Reject {
			return head + ": refused"
		}
		return head + ": granted"
	}
	return head
}
