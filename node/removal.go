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

// The fallback for a removed node that the leader could not tell. Normally a server
// that a change removes learns it from the engine: the leader keeps replicating to it
// until it holds the entry that removes it, known committed (engine.Peer.Leaving,
// EventRemoved), and the node then stops (raftLoop.noteRemoved). But the leader tries
// for a bounded time only, one election timeout after that entry is committed: a node
// that was down or cut off for the whole of that never hears it. Such a node may still
// believe it is a voter (of C_old,new), or hold C_new without knowing it is committed;
// it hears from no leader and times out again and again. Pre-vote and the members'
// refusal of its connections keep it from disrupting anyone, but it would never say it
// was removed. So a node that has heard from no leader for a while asks the members it
// knows, over their HTTP API, for their configuration (GET /members): a committed
// configuration that does not hold this node, at a later entry (or at the entry that
// removed it, which this node holds uncommitted), is proof that it was removed. It then
// stops talking to the cluster and says so, as a node that learned its removal from
// the engine does. If it is added back, the entry that adds it replaces the notice
// (adoptConf).

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
	httpc := clusterHTTPClient(removalAskTimeout, true)
	defer httpc.CloseIdleConnections()
	var leaderlessSince time.Time
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-ticker.C:
			book := n.book()
			if book.out || book.joining || n.Leader() != 0 {
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
		// A later configuration; or the same one, which removed us, known committed
		// there but not here.
		later := m.ConfIndex > book.confIndex || (book.removed && m.ConfIndex == book.confIndex)
		if m.Committed && len(m.Outgoing) == 0 && later && !held {
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
	if l.n.book().out {
		return
	}
	l.markOut("a member's committed configuration no longer holds it", "member", notice.from,
		"member_conf_index", notice.members.ConfIndex, "voters", notice.members.Voters, "learners", notice.members.Learners)
}
