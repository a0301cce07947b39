package bridge

import (
	"errors"
	"fmt"
	"slices"

	"github.com/raftplay/raftplay/sim"
)

// Membership changes (§6) from the page. Promote and remove are plain actions (act);
// adding a server needs a server to add. A run's servers are fixed when it starts
// (options.peers, with options.voters the first configuration and the others spare), so
// addServer adds a spare server when the run has one, and otherwise grows the run by
// one server: it starts the same scenario again with one more, spare, server (and the
// first configuration unchanged), replays it to now, and adds the new server there. The
// scenario it leaves, and so a share link made from it, replays that run exactly.

// MaxServers is the most servers the page draws; addServer grows a run no further.
const MaxServers = 7

// addedServer is the answer of addServer: where the run is, and which server joined.
type addedServer struct {
	position
	// Peer is the server added as a learner.
	Peer uint64 `json:"peer"`
	// Grown is set when the run was started again with one more server.
	Grown bool `json:"grown,omitempty"`
}

// spareServer returns the lowest server of the run that is no member and has never
// learned a configuration or held an entry (it would join empty), or 0.
func spareServer(st sim.Snapshot) uint64 {
	lead := st.Leader
	for _, p := range st.Peers {
		if lead != 0 {
			l := st.Peers[lead-1]
			if slices.Contains(l.Voters, p.ID) || slices.Contains(l.Learners, p.ID) || slices.Contains(l.Outgoing, p.ID) {
				continue
			}
		}
		if len(p.Voters) == 0 && len(p.Learners) == 0 && len(p.Outgoing) == 0 && p.LastIndex == 0 && p.SnapshotIndex == 0 {
			return p.ID
		}
	}
	return 0
}

func (b *Bridge) addServer(args) (any, error) {
	c := b.tl.Cluster()
	st := c.State()
	if id := spareServer(st); id != 0 {
		if _, err := b.act(args{fmt.Sprintf(`{"type":"add-learner","peer":%d}`, id)}); err != nil {
			return nil, err
		}
		return b.added(id, false)
	}
	n := len(st.Peers)
	switch {
	case n >= MaxServers:
		return nil, fmt.Errorf("the run has %d servers, the most the page draws, and none of them is a spare one to add", n)
	case b.lesson != nil:
		return nil, errors.New("this lesson's run has no spare server to add, and a lesson's servers are its own")
	case c.Stopped():
		return nil, errors.New("the run has stopped")
	}
	if st.Leader == 0 {
		// Refuse before replaying anything: the leader proposes the change (§6).
		return nil, fmt.Errorf("no leader is up to propose adding S%d", n+1)
	}
	sc := c.Scenario()
	// Acting now discards the recorded future, as any action in the past does.
	sc.Actions = sc.Actions[:c.AppliedActions()]
	if sc.Options.Voters == 0 {
		sc.Options.Voters = n
	}
	sc.Options.Peers = n + 1
	tl, err := sim.NewTimeline(sc)
	if err != nil {
		return nil, fmt.Errorf("start the run again with %d servers: %w", n+1, err)
	}
	tl.RunUntil(c.Now())
	id := uint64(n + 1)
	if _, _, err := tl.Act(sim.Action{Type: sim.ActAddLearner, Peer: id}); err != nil {
		return nil, err // the run the page shows stays as it was
	}
	b.tl = tl
	return b.added(id, true)
}

func (b *Bridge) added(id uint64, grown bool) (any, error) {
	c := b.tl.Cluster()
	return encode(&addedServer{position: position{OK: true, Time: c.Now(), Steps: c.Steps()}, Peer: id, Grown: grown})
}
