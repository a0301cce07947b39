package engine_test

import (
	"errors"
	"fmt"
	"strings"
)

// The commands that describe or check the peers: ready, status, log, applied, reads
// and check.

// ready processes one Ready of each held peer named and describes it.
func (d *scriptDriver) ready(c *scriptCommand) (string, error) {
	var b strings.Builder
	err := d.eachPeer(c, true, func(id uint64) {
		if !d.n.held[id] {
			fmt.Fprintf(&b, "peer %d is not held: its Readys were processed as they came\n", id)
			return
		}
		rd, ok := d.n.readyOnce(id)
		if !ok {
			fmt.Fprintf(&b, "peer %d has no Ready\n", id)
			return
		}
		fmt.Fprintf(&b, "peer %d Ready, MustSync=%v:\n%s", id, rd.MustSync, rd.Describe())
	})
	return b.String(), err
}

// describe answers status, log, applied, reads and conf for the peers named, or all.
func (d *scriptDriver) describe(c *scriptCommand) (string, error) {
	if err := c.checkArgs(true); err != nil {
		return "", err
	}
	ids, err := d.peers(c, false)
	if err != nil {
		return "", err
	}
	if len(ids) == 0 {
		ids = d.n.ids()
	}
	var b strings.Builder
	for _, id := range ids {
		fmt.Fprintf(&b, "%d: %s\n", id, d.describePeer(c.name, id))
	}
	return b.String(), nil
}

// describePeer is one peer's line of describe. The conf line is the peer's
// configuration, "voters=[1 2 3] learners=[4] entry=5 committed", or "down" for a
// crashed peer.
func (d *scriptDriver) describePeer(what string, id uint64) string {
	switch what {
	case "log":
		if terms := d.n.terms(id); terms != "" {
			return "terms " + terms
		}
		return "empty"
	case "applied":
		var parts []string
		for _, e := range d.n.applied[id] {
			parts = append(parts, fmt.Sprintf("%d@%d %q", e.Index, e.Term, e.Command))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case "reads":
		var parts []string
		for _, rs := range d.n.reads[id] {
			parts = append(parts, fmt.Sprintf("id=%d index=%d", rs.RequestID, rs.Index))
		}
		return "[" + strings.Join(parts, ", ") + "]"
	}
	p := d.n.peers[id]
	switch {
	case p == nil && what == "conf":
		return "down"
	case p == nil:
		return "crashed"
	case what == "conf":
		st := p.Status()
		committed := "uncommitted"
		if st.ConfCommitted {
			committed = "committed"
		}
		return fmt.Sprintf("%s entry=%d %s", st.Conf, st.ConfIndex, committed)
	}
	st := p.Status()
	return fmt.Sprintf("%s term=%d vote=%d lead=%d commit=%d applied=%d last=%d@%d",
		st.Role, st.Term, st.VotedFor, st.Lead, st.CommitIndex, st.LastApplied, st.LastIndex, st.LastTerm)
}

// check asserts facts about one peer, "check 1 role=leader term=2 log=(1, 1, 2)", and
// fails the test when one is false, with or without -update: unlike an output, a check
// cannot be rewritten into agreement.
func (d *scriptDriver) check(c *scriptCommand) error {
	id, err := d.onePeer(c, "role", "term", "vote", "lead", "commit", "applied", "last", "log", "snapshot", "first")
	if err != nil {
		return err
	}
	st := d.n.status(id)
	got := map[string]string{
		"role": st.Role.String(), "term": fmt.Sprint(st.Term), "vote": fmt.Sprint(st.VotedFor),
		"lead": fmt.Sprint(st.Lead), "commit": fmt.Sprint(st.CommitIndex),
		"applied": fmt.Sprint(st.LastApplied), "last": fmt.Sprint(st.LastIndex),
		"log":      d.n.terms(id),
		"snapshot": fmt.Sprintf("%d@%d", st.SnapshotIndex, st.SnapshotTerm), "first": fmt.Sprint(st.FirstIndex),
	}
	var errs []error
	for _, a := range c.args {
		if a.key == "" {
			continue
		}
		if want := strings.Join(a.vals, " "); got[a.key] != want {
			errs = append(errs, fmt.Errorf("check: peer %d has %s %q, want %q", id, a.key, got[a.key], want))
		}
	}
	return errors.Join(errs...)
}
