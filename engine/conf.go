// Configurations (§6 of the Raft paper): who the members are, and the changes that move
// a cluster from one configuration to another.

package engine

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// ConfState is a configuration: the members of the cluster and what each one does.
//
//   - Voters are the servers whose majority forms a quorum (C_new while joint).
//   - Learners are members that are replicated to and never counted: they do not vote,
//     campaign, or count toward a commit, a read or check-quorum. A new server joins
//     as a learner and catches up before it is made a voter (§6, first issue).
//   - VotersOutgoing is C_old while the configuration is joint (C_old,new): then every
//     election and every commit needs a majority of Voters and, separately, a majority
//     of VotersOutgoing (§6). It is empty otherwise.
//   - Contexts are opaque bytes the application keeps with a member (a native node's
//     Raft and HTTP addresses), sorted by ID; a member without one has no row.
//
// All id lists are sorted and hold no duplicates. A voter is never a learner of the same
// configuration, but a server of VotersOutgoing may be a learner (being demoted).
//
// A configuration is carried by log entries (EntryConfChange), and a peer uses the
// latest one in its log, committed or not (§6): see ProposeConfChange. The ConfState a
// Storage returns is the configuration as of the start of its log: the one of its
// snapshot, or the bootstrap configuration (empty for a server that joins an existing
// cluster and learns it from the leader).
type ConfState struct {
	Voters         []uint64
	Learners       []uint64
	VotersOutgoing []uint64
	Contexts       []MemberContext
}

// MemberContext is the application's opaque bytes about one member.
type MemberContext struct {
	ID      uint64
	Context []byte
}

// Quorum is the number of votes that make a majority of Voters (the incoming voters
// while joint; a joint decision also needs a majority of VotersOutgoing).
func (cs ConfState) Quorum() int { return len(cs.Voters)/2 + 1 }

// Joint reports whether cs is a joint configuration C_old,new (§6).
func (cs ConfState) Joint() bool { return len(cs.VotersOutgoing) > 0 }

// IsEmpty reports whether cs has no member: a server that has not learned its cluster's
// configuration yet.
func (cs ConfState) IsEmpty() bool {
	return len(cs.Voters) == 0 && len(cs.Learners) == 0 && len(cs.VotersOutgoing) == 0
}

// IsVoter reports whether id votes in cs: it is in Voters or, while joint, in
// VotersOutgoing.
func (cs ConfState) IsVoter(id uint64) bool {
	return slices.Contains(cs.Voters, id) || slices.Contains(cs.VotersOutgoing, id)
}

// IsLearner reports whether id is a member of cs that does not vote.
func (cs ConfState) IsLearner(id uint64) bool {
	return slices.Contains(cs.Learners, id) && !cs.IsVoter(id)
}

// IsMember reports whether id is a voter or a learner of cs.
func (cs ConfState) IsMember(id uint64) bool {
	return cs.IsVoter(id) || slices.Contains(cs.Learners, id)
}

// Members returns every member of cs, voters and learners, sorted.
func (cs ConfState) Members() []uint64 {
	ids := make([]uint64, 0, len(cs.Voters)+len(cs.Learners)+len(cs.VotersOutgoing))
	ids = append(append(append(ids, cs.Voters...), cs.Learners...), cs.VotersOutgoing...)
	sortIDs(ids)
	return slices.Compact(ids)
}

// Context returns the context kept for member id, or nil.
func (cs ConfState) Context(id uint64) []byte {
	for _, c := range cs.Contexts {
		if c.ID == id {
			return c.Context
		}
	}
	return nil
}

// Clone returns a deep copy of cs (context bytes included).
func (cs ConfState) Clone() ConfState {
	c := ConfState{
		Voters:         slices.Clone(cs.Voters),
		Learners:       slices.Clone(cs.Learners),
		VotersOutgoing: slices.Clone(cs.VotersOutgoing),
	}
	if cs.Contexts != nil {
		c.Contexts = make([]MemberContext, len(cs.Contexts))
		for i, m := range cs.Contexts {
			c.Contexts[i] = MemberContext{ID: m.ID, Context: slices.Clone(m.Context)}
		}
	}
	return c
}

// Equal reports whether cs and o are the same configuration, contexts included.
func (cs ConfState) Equal(o ConfState) bool {
	return slices.Equal(cs.Voters, o.Voters) && slices.Equal(cs.Learners, o.Learners) &&
		slices.Equal(cs.VotersOutgoing, o.VotersOutgoing) &&
		slices.EqualFunc(cs.Contexts, o.Contexts, func(a, b MemberContext) bool {
			return a.ID == b.ID && string(a.Context) == string(b.Context)
		})
}

// String is the text form transcripts use: "voters=[1 2 3]", plus " learners=[4]" when
// there are learners and " outgoing=[1 2 3]" while joint.
func (cs ConfState) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "voters=%v", orEmpty(cs.Voters))
	if len(cs.Learners) > 0 {
		fmt.Fprintf(&b, " learners=%v", cs.Learners)
	}
	if cs.Joint() {
		fmt.Fprintf(&b, " outgoing=%v", cs.VotersOutgoing)
	}
	return b.String()
}

func orEmpty(ids []uint64) []uint64 {
	if ids == nil {
		return []uint64{}
	}
	return ids
}

// ErrInvalidConf is matched (with errors.Is) by the errors of ConfState.Validate and of
// a refused configuration change that is malformed.
var ErrInvalidConf = errors.New("invalid configuration")

// Validate checks the shape of a configuration: at least one voter (unless it is the
// empty configuration of a server that has not learned one), ids nonzero, each list
// sorted without duplicates, no voter of Voters also a learner, and contexts sorted by
// id, one per member at most, each of a member.
func (cs ConfState) Validate() error {
	if cs.IsEmpty() {
		if len(cs.Contexts) > 0 {
			return fmt.Errorf("%w: contexts for %d members of an empty configuration", ErrInvalidConf, len(cs.Contexts))
		}
		return nil
	}
	if len(cs.Voters) == 0 {
		return fmt.Errorf("%w: %s has no voters", ErrInvalidConf, cs)
	}
	for _, l := range []struct {
		name string
		ids  []uint64
	}{{"voters", cs.Voters}, {"learners", cs.Learners}, {"outgoing voters", cs.VotersOutgoing}} {
		for i, id := range l.ids {
			if id == None {
				return fmt.Errorf("%w: %s %v: id 0 is not a server", ErrInvalidConf, l.name, l.ids)
			}
			if i > 0 && l.ids[i-1] >= id {
				return fmt.Errorf("%w: %s %v are not sorted without duplicates", ErrInvalidConf, l.name, l.ids)
			}
		}
	}
	for _, id := range cs.Learners {
		if slices.Contains(cs.Voters, id) {
			return fmt.Errorf("%w: server %d is both a voter and a learner in %s", ErrInvalidConf, id, cs)
		}
	}
	for i, c := range cs.Contexts {
		if i > 0 && cs.Contexts[i-1].ID >= c.ID {
			return fmt.Errorf("%w: member contexts are not sorted by id without duplicates (id %d after %d)", ErrInvalidConf, c.ID, cs.Contexts[i-1].ID)
		}
		if !cs.IsMember(c.ID) {
			return fmt.Errorf("%w: a context for server %d, which is not a member of %s", ErrInvalidConf, c.ID, cs)
		}
	}
	return nil
}

// ConfChange asks for a new configuration: the voters and learners wanted (C_new),
// and the contexts to keep with members that are added or updated (members left out
// keep theirs). Build one by hand, or from the current configuration with
// ConfState.AddLearner, PromoteLearner or RemoveMember. The lists need not be sorted.
type ConfChange struct {
	Voters   []uint64
	Learners []uint64
	Contexts []MemberContext
}

// AddLearner returns the change that adds server id to cs as a learner, with context
// (nil for none). It fails if id is 0 or already a member.
func (cs ConfState) AddLearner(id uint64, context []byte) (ConfChange, error) {
	switch {
	case id == None:
		return ConfChange{}, fmt.Errorf("%w: add learner: id 0 is not a server", ErrInvalidConf)
	case cs.IsMember(id):
		return ConfChange{}, fmt.Errorf("%w: add learner %d: it is already a member of %s", ErrInvalidConf, id, cs)
	}
	cc := ConfChange{Voters: slices.Clone(cs.Voters), Learners: append(slices.Clone(cs.Learners), id)}
	if context != nil {
		cc.Contexts = []MemberContext{{ID: id, Context: context}}
	}
	return cc, nil
}

// PromoteLearner returns the change that makes learner id a voter of cs. It fails if
// id is not a learner.
func (cs ConfState) PromoteLearner(id uint64) (ConfChange, error) {
	if !cs.IsLearner(id) {
		return ConfChange{}, fmt.Errorf("%w: promote %d: it is not a learner of %s", ErrInvalidConf, id, cs)
	}
	return ConfChange{
		Voters:   append(slices.Clone(cs.Voters), id),
		Learners: slices.DeleteFunc(slices.Clone(cs.Learners), func(x uint64) bool { return x == id }),
	}, nil
}

// RemoveMember returns the change that removes voter or learner id from cs. It fails if
// id is not a member, or is the last voter.
func (cs ConfState) RemoveMember(id uint64) (ConfChange, error) {
	switch {
	case !cs.IsMember(id):
		return ConfChange{}, fmt.Errorf("%w: remove %d: it is not a member of %s", ErrInvalidConf, id, cs)
	case len(cs.Voters) == 1 && cs.Voters[0] == id:
		return ConfChange{}, fmt.Errorf("%w: remove %d: it is the last voter of %s", ErrInvalidConf, id, cs)
	}
	drop := func(x uint64) bool { return x == id }
	return ConfChange{
		Voters:   slices.DeleteFunc(slices.Clone(cs.Voters), drop),
		Learners: slices.DeleteFunc(slices.Clone(cs.Learners), drop),
	}, nil
}

// target returns the configuration C_new that cc asks for, starting from cur: sorted
// lists, the contexts of cur for members that stay, replaced or added by cc's. It
// returns an error wrapping ErrInvalidConf when cc is malformed.
func (cc ConfChange) target(cur ConfState) (ConfState, error) {
	next := ConfState{
		Voters:   slices.Clone(cc.Voters),
		Learners: slices.Clone(cc.Learners),
	}
	sortIDs(next.Voters)
	sortIDs(next.Learners)
	if len(next.Voters) == 0 {
		return ConfState{}, fmt.Errorf("%w: the change leaves no voters", ErrInvalidConf)
	}
	if len(next.Learners) == 0 {
		next.Learners = nil
	}
	for _, c := range cur.Contexts {
		if next.IsMember(c.ID) && !slices.ContainsFunc(cc.Contexts, func(n MemberContext) bool { return n.ID == c.ID }) {
			next.Contexts = append(next.Contexts, c)
		}
	}
	next.Contexts = append(next.Contexts, cc.Contexts...)
	sortContexts(next.Contexts)
	if err := next.Validate(); err != nil {
		return ConfState{}, err
	}
	return next, nil
}

// joint returns C_old,new: the voters of next, with the voters of cs outgoing (§6). A
// server leaving keeps its context while the configuration is joint: it is still
// replicated to.
func (cs ConfState) joint(next ConfState) ConfState {
	j := next.Clone()
	j.VotersOutgoing = slices.Clone(cs.Voters)
	for _, c := range cs.Contexts {
		if !j.IsMember(c.ID) || slices.ContainsFunc(j.Contexts, func(n MemberContext) bool { return n.ID == c.ID }) {
			continue
		}
		j.Contexts = append(j.Contexts, c)
	}
	sortContexts(j.Contexts)
	return j
}

// leaveJoint returns C_new of a joint configuration cs: its incoming voters and
// learners, with the contexts of those.
func (cs ConfState) leaveJoint() ConfState {
	n := ConfState{Voters: slices.Clone(cs.Voters), Learners: slices.Clone(cs.Learners)}
	for _, c := range cs.Contexts {
		if n.IsMember(c.ID) {
			n.Contexts = append(n.Contexts, c)
		}
	}
	return n
}
