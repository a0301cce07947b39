package node

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"time"
)

// A voter that a configuration change removes often never learns it from the engine:
// the leader replicates C_new to C_new's members only (§6), and the other members let
// go of the removed server once C_new is committed. Such a server keeps believing it
// is a voter of C_old,new, hears from no leader, and times out again and again; pre-vote
// and the closed connections keep it from disrupting anyone, but it would never say it
// was removed. So a node that has heard from no leader for a while asks the members it
// knows, over their HTTP API, for their configuration (GET /members): a committed
// configuration at a later entry that does not hold this node is proof that it was
// removed. It then stops talking to the cluster and says so, as a node that learned its
// removal from its own log does. If it is added back, the entry that adds it
// replaces the notice (adoptConf).

// Timing of the removal check.
const (
	removalCheckEvery = time.Second
	// removalCheckAfter is how long a node must know no leader before it asks.
	removalCheckAfter = 2 * time.Second
	removalAskTimeout = time.Second
)

// removalNotice is what a member answered: its committed configuration, which does
// not hold this node.
type removalNotice struct {
	from    uint64
	members Members
}

// watchRemoval runs the check until ctx is done.
func (n *Node) watchRemoval(ctx context.Context) {
	ticker := time.NewTicker(removalCheckEvery)
	defer ticker.Stop()
	httpc := &http.Client{Timeout: removalAskTimeout}
	defer httpc.CloseIdleConnections()
	var leaderlessSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			book := n.book()
			if book.removed || book.joining || n.Leader() != 0 {
				leaderlessSince = time.Time{}
				continue
			}
			if leaderlessSince.IsZero() {
				leaderlessSince = now
			}
			if now.Sub(leaderlessSince) < removalCheckAfter {
				continue
			}
			if notice, ok := n.askRemoval(ctx, httpc, book); ok {
				select {
				case n.removalc <- notice:
				case <-ctx.Done():
					return
				}
			}
		}
	}
}

// askRemoval asks the other members of book for their configuration, and returns the
// first answer that proves this node was removed.
func (n *Node) askRemoval(ctx context.Context, httpc *http.Client, book *addrBook) (removalNotice, bool) {
	for _, id := range book.conf.Members() {
		base := book.httpURL(id)
		if id == n.cfg.ID || base == "" {
			continue
		}
		m, err := n.askMembers(ctx, httpc, base)
		if err != nil {
			continue
		}
		held := slices.ContainsFunc(m.Members, func(i MemberInfo) bool { return i.ID == n.cfg.ID })
		if m.Committed && len(m.Outgoing) == 0 && m.ConfIndex > book.confIndex && !held {
			return removalNotice{from: id, members: m}, true
		}
	}
	return removalNotice{}, false
}

func (n *Node) askMembers(ctx context.Context, httpc *http.Client, base string) (Members, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/members", nil)
	if err != nil {
		return Members{}, err
	}
	if n.cfg.Token != "" {
		req.Header.Set("Authorization", "Bearer "+n.cfg.Token)
	}
	resp, err := httpc.Do(req)
	if err != nil {
		return Members{}, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return Members{}, err
	}
	if resp.StatusCode != http.StatusOK {
		return Members{}, fmt.Errorf("GET %s/members answered %s", base, resp.Status)
	}
	var m Members
	err = json.Unmarshal(body, &m)
	return m, err
}

// noteRemoval makes the loop act on a removal notice: the node stops talking to the
// cluster and says it was removed.
func (l *raftLoop) noteRemoval(notice removalNotice) {
	book := l.n.book()
	if book.removed {
		return
	}
	marked := *book
	marked.removed = true
	l.n.addrs.Store(&marked)
	l.followPeers()
	l.n.statusMu.Lock()
	l.n.status.Removed = true
	l.n.statusMu.Unlock()
	l.key.confVersion++
	l.log.Warn("this node was removed from the cluster: a member's committed configuration no longer holds it; it no longer talks to the cluster, and can be shut down",
		"member", notice.from, "conf_index", notice.members.ConfIndex, "voters", notice.members.Voters, "learners", notice.members.Learners)
}
