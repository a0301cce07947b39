package node

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/raftplay/raftplay/engine"
)

// Membership changes of a native cluster (§6 of the Raft paper; the engine does joint
// consensus): POST /members adds a server as a learner, the leader promotes it to a
// voter once it has caught up, DELETE /members/{id} removes a member, GET /members
// shows the configuration. Every change is one engine.ConfChange proposed by the
// leader's Ready loop; the request is answered once its entry is committed.

// promoteLag is how close a learner's log must be to the leader's for the leader to
// make it a voter: its match index at most this many entries behind the leader's last
// index. A learner that installed the leader's snapshot qualifies as soon as the
// entries after the snapshot reach it. Promoting a server that is far behind would let
// a majority depend on it while it catches up (§6, the first issue), stalling commits.
const promoteLag = 64

// promoteEvery is how often, in ticks, a leader looks for learners to promote.
const promoteEvery = 10

// memberProbeTimeout bounds each check that a server to add answers (its Raft
// address, then its HTTP API), so a refused add answers quickly.
const memberProbeTimeout = 2 * time.Second

// maxMemberBody bounds the body of POST /members.
const maxMemberBody = 4 << 10

// MemberRequest is the JSON body of POST /members: the server to add, and where it is.
type MemberRequest struct {
	ID       uint64 `json:"id"`
	RaftAddr string `json:"raft_addr"` // HOST:PORT of its Raft transport
	HTTPAddr string `json:"http_url"`  // its HTTP API: a base URL, or HOST:PORT for http
	// Force skips the leader's check that the server answers at these addresses
	// (CodeMemberUnreachable): for a server that is not started yet. Until it starts,
	// it is a learner that never catches up, and the leader sends to it in vain.
	Force bool `json:"force,omitempty"`
}

// MemberInfo is one member of a configuration, as GET /members lists it.
type MemberInfo struct {
	ID uint64 `json:"id"`
	// Role is "voter", "learner" or, while the configuration is joint, "leaving" (a
	// voter of C_old only) or "joining" (a voter of C_new only).
	Role     string `json:"role"`
	RaftAddr string `json:"raft_addr,omitempty"`
	HTTPURL  string `json:"http_url,omitempty"`
}

// Members is the JSON body of GET /members, and of a successful POST or DELETE:
// the configuration the answering node uses (the latest in its log, §6).
type Members struct {
	Node     uint64   `json:"node"`   // the node that answered
	Leader   uint64   `json:"leader"` // the leader it knows of, 0 when none
	Voters   []uint64 `json:"voters"`
	Learners []uint64 `json:"learners"`
	Outgoing []uint64 `json:"outgoing,omitempty"` // C_old's voters, while joint
	// ConfIndex is the log entry of this configuration (0: the one the cluster was
	// created with, or a snapshot's), Committed whether the commit index reached it.
	ConfIndex uint64       `json:"conf_index"`
	Committed bool         `json:"committed"`
	Members   []MemberInfo `json:"members"`
	// Index, on an answer to POST or DELETE, is the entry the change was proposed
	// at (now committed); 0 when nothing had to change (the server was a member
	// already, with the same addresses).
	Index uint64 `json:"index,omitempty"`
}

// confOp is what a confRequest asks the loop for.
type confOp int

const (
	confList confOp = iota
	confAdd
	confRemove
)

// confRequest is a membership request on its way into the Ready loop.
type confRequest struct {
	op    confOp
	id    uint64
	addrs MemberAddrs
	done  chan confOutcome // buffered

	index, term uint64 // set by the loop: the entry proposed
}

type confOutcome struct {
	members Members
	err     error
}

// Why the loop refused a membership request (besides the engine's errors).
var (
	errUnknownMember = errors.New("not a member of the configuration")
	errMemberExists  = errors.New("already a member, with other addresses")
)

// membersOf describes the configuration the peer uses.
func membersOf(st engine.Status, book *addrBook) Members {
	cs := st.Conf
	m := Members{
		Node: st.ID, Leader: st.Lead, Voters: orEmpty(cs.Voters), Learners: orEmpty(cs.Learners),
		ConfIndex: st.ConfIndex, Committed: st.ConfCommitted, Members: []MemberInfo{},
	}
	if cs.Joint() {
		m.Outgoing = orEmpty(cs.VotersOutgoing)
	}
	for _, id := range cs.Members() {
		info := MemberInfo{ID: id, Role: "learner", RaftAddr: book.addrs[id].Raft, HTTPURL: book.addrs[id].HTTP}
		inNew, inOld := contains(cs.Voters, id), contains(cs.VotersOutgoing, id)
		switch {
		case cs.Joint() && inOld && !inNew:
			info.Role = "leaving"
		case cs.Joint() && inNew && !inOld:
			info.Role = "joining"
		case inNew || inOld:
			info.Role = "voter"
		}
		m.Members = append(m.Members, info)
	}
	return m
}

func contains(ids []uint64, id uint64) bool {
	for _, x := range ids {
		if x == id {
			return true
		}
	}
	return false
}

// handleConf takes a membership request in the loop: GET answers at once, a change is
// proposed and answered when its entry is applied (l.apply) or given up on.
func (l *raftLoop) handleConf(r *confRequest) {
	if r.op == confList {
		r.done <- confOutcome{members: membersOf(l.peer.Status(), l.n.book())}
		return
	}
	cs := l.peer.ConfState()
	var cc engine.ConfChange
	var err error
	switch r.op {
	case confAdd:
		if cs.IsMember(r.id) {
			if a, ok := l.n.book().addrs[r.id]; ok && a == r.addrs {
				// A retry of an add that took effect: nothing to change.
				r.done <- confOutcome{members: membersOf(l.peer.Status(), l.n.book())}
				return
			}
			r.done <- confOutcome{err: fmt.Errorf("server %d: %w (%s)", r.id, errMemberExists, cs)}
			return
		}
		cc, err = l.addLearnerChange(cs, r.id, r.addrs)
	case confRemove:
		if !cs.IsMember(r.id) {
			r.done <- confOutcome{err: fmt.Errorf("server %d: %w %s", r.id, errUnknownMember, cs)}
			return
		}
		cc, err = cs.RemoveMember(r.id)
	}
	if err == nil {
		r.index, err = l.peer.ProposeConfChange(cc)
	}
	if err != nil {
		r.done <- confOutcome{err: err}
		return
	}
	r.term = l.peer.Term()
	l.confWaits[r.index] = r
	l.log.Info("proposed a configuration change", "op", map[confOp]string{confAdd: "add learner", confRemove: "remove"}[r.op],
		"member", r.id, "index", r.index)
}

// addLearnerChange is the change that adds id as a learner at addrs. It also writes
// the addresses of every member that has no context yet (the members the cluster was
// created with, known from Peers): the server that joins knows no one, and learns
// where everybody is from this entry.
func (l *raftLoop) addLearnerChange(cs engine.ConfState, id uint64, addrs MemberAddrs) (engine.ConfChange, error) {
	ctx, err := EncodeMemberAddrs(addrs)
	if err != nil {
		return engine.ConfChange{}, fmt.Errorf("%w: %v", engine.ErrInvalidConf, err)
	}
	cc, err := cs.AddLearner(id, ctx)
	if err != nil {
		return engine.ConfChange{}, err
	}
	book := l.n.book()
	for _, m := range cs.Members() {
		if cs.Context(m) != nil {
			continue
		}
		a, ok := book.addrs[m]
		if !ok {
			return engine.ConfChange{}, fmt.Errorf("%w: member %d has no known address to hand to the new server", engine.ErrInvalidConf, m)
		}
		mctx, err := EncodeMemberAddrs(a)
		if err != nil {
			return engine.ConfChange{}, fmt.Errorf("%w: member %d: %v", engine.ErrInvalidConf, m, err)
		}
		cc.Contexts = append(cc.Contexts, engine.MemberContext{ID: m, Context: mctx})
	}
	return cc, nil
}

// confApplied answers the membership request that proposed the configuration entry
// e, once it is applied (committed).
func (l *raftLoop) confApplied(e *engine.Entry) {
	r, ok := l.confWaits[e.Index]
	if !ok {
		return
	}
	delete(l.confWaits, e.Index)
	if e.Term != r.term {
		r.done <- confOutcome{err: errEntryReplaced}
		return
	}
	m := membersOf(l.peer.Status(), l.n.book())
	m.Index = e.Index
	r.done <- confOutcome{members: m}
}

// maybePromote is the leader's second step of adding a server: once a learner has
// caught up (promoteLag), it proposes making it a voter. Native nodes keep no
// permanent learners, so whichever node leads promotes every learner, and an add
// survives a change of leader. One change at a time (§6): it waits while one is in
// progress.
func (l *raftLoop) maybePromote() {
	l.promoteTicks++
	if !l.leading || l.promoteTicks < promoteEvery || len(l.n.book().conf.Learners) == 0 {
		return
	}
	l.promoteTicks = 0
	st := l.peer.Status()
	if st.Conf.Joint() || !st.ConfCommitted {
		return
	}
	for _, id := range st.Conf.Learners {
		pr, ok := st.Progress[id]
		if !ok || pr.Match == 0 || pr.Match+promoteLag < st.LastIndex {
			continue
		}
		cc, err := st.Conf.PromoteLearner(id)
		var index uint64
		if err == nil {
			index, err = l.peer.ProposeConfChange(cc)
		}
		if err != nil {
			l.log.Warn("could not promote a learner", "member", id, "err", err)
			return
		}
		l.log.Info("promoting a learner that caught up to a voter", "member", id, "match", pr.Match, "last_index", st.LastIndex, "index", index)
		return
	}
}

// adoptedConf returns the configuration of the last event in events by which the
// engine adopted one (§6: a server uses the latest configuration in its log, from
// the moment it appends it, and the one before it again when that entry is cut).
// It returns the index of the entry that holds the configuration too (0: the store's
// base one).
func adoptedConf(events []engine.Event) (engine.ConfState, uint64, bool) {
	for i := len(events) - 1; i >= 0; i-- {
		switch e := &events[i]; e.Kind {
		case engine.EventJointEntered, engine.EventJointLeft, engine.EventConfSwitched:
			return e.Conf, e.Index, true
		case engine.EventConfRolledBack:
			return e.Conf, e.LogTerm, true // LogTerm: the entry of the configuration used again
		}
	}
	return engine.ConfState{}, 0, false
}

// peerKey is what the transport's peer set was last computed from.
type peerKey struct {
	book      *addrBook
	committed bool
	leading   bool
}

// followPeers makes the transport talk to the servers it should now (addrBook.talkTo):
// after the node adopted a configuration, once that configuration's entry is
// committed (the members it drops are let go, unless the engine still replicates to
// them), when the engine lets go of a removed server, and when a removed leader steps
// down.
func (l *raftLoop) followPeers() {
	book := l.n.book()
	key := peerKey{book: book, committed: l.key.commit >= book.confIndex, leading: l.key.role == engine.RoleLeader}
	var leaving []uint64
	if key.leading {
		leaving = l.peer.Leaving()
	}
	if key == l.peerKey && slices.Equal(leaving, l.peerLeaving) {
		return
	}
	l.peerKey, l.peerLeaving = key, leaving
	for _, id := range leaving {
		if _, ok := book.lingering[id]; !ok && id != l.n.cfg.ID {
			l.log.Warn("no address is known for a server the configuration removed: it cannot be told it was removed, and will ask a member instead",
				"member", id, "conf", book.conf.String())
		}
	}
	peers := book.talkTo(l.n.cfg.ID, key.committed, key.leading, leaving)
	for _, id := range book.conf.Members() {
		if book.lacksAddr(id, l.n.cfg.ID) {
			if addr := l.n.trans.declaredAddr(id); addr != "" {
				peers[id] = addr // see transport.answerDeclared
			}
		}
	}
	l.n.trans.follow(peers, book.joining)
}

// adoptConf makes the node follow cs, held by the entry at index: addresses for
// redirects, connections, status.
func (l *raftLoop) adoptConf(cs engine.ConfState, index uint64) {
	n := l.n
	was := n.book()
	book := n.newBook(cs, index, was)
	n.addrs.Store(book)
	l.followPeers()
	n.statusMu.Lock()
	n.setConfStatus(&n.status, book)
	n.statusMu.Unlock()
	l.key.confVersion++
	l.log.Info("using a new configuration", "conf", cs.String())
	if book.removed && !was.removed && !book.out {
		l.log.Info("the configuration no longer holds this node: it answers the leader until it knows that configuration is committed", "conf", cs.String())
	}
}

// noteRemoved acts on the engine's EventRemoved in rd's events: this node knows the
// configuration that removed it is committed. It stops talking to the cluster at the
// next tick, not now: the reply that tells the leader so is among this Ready's
// messages, and stopping a peer's sender drops what it has not written yet.
func (l *raftLoop) noteRemoved(events []engine.Event) {
	for i := range events {
		if events[i].Kind == engine.EventRemoved {
			l.removedAt = events[i].Index
		}
	}
}

// maybeLeave makes a node that the engine says was removed (noteRemoved) stop talking
// to the cluster.
func (l *raftLoop) maybeLeave() {
	if l.removedAt == 0 || l.n.book().out {
		return
	}
	l.markOut("the configuration that removed it is committed", "conf_index", l.removedAt)
}

// markOut records that this node is out of the cluster for good: it stops talking to
// the cluster and says so (Status.Removed).
func (l *raftLoop) markOut(why string, args ...any) {
	book := l.n.book()
	marked := *book
	marked.removed, marked.out = true, true
	l.n.addrs.Store(&marked)
	l.followPeers()
	l.n.statusMu.Lock()
	l.n.status.Removed = true
	l.n.statusMu.Unlock()
	l.key.confVersion++
	l.log.Warn("this node was removed from the cluster ("+why+"): it no longer talks to the cluster, and can be shut down",
		append(args, "conf", book.conf.String())...)
}

// memberError answers a membership request the loop refused or gave up on.
func (n *Node) memberError(w http.ResponseWriter, r *http.Request, err error) {
	var notLeader *engine.NotLeaderError
	switch {
	case errors.As(err, &notLeader):
		n.redirect(w, r, notLeader.Leader)
	case errors.Is(err, engine.ErrConfChangeInProgress):
		writeError(w, http.StatusConflict, CodeConfChangeInProgress, err.Error())
	case errors.Is(err, errUnknownMember):
		writeError(w, http.StatusNotFound, CodeUnknownMember, err.Error())
	case errors.Is(err, errMemberExists):
		writeError(w, http.StatusConflict, CodeMemberExists, err.Error())
	case errors.Is(err, engine.ErrInvalidConf):
		writeError(w, http.StatusBadRequest, CodeBadRequest, err.Error())
	case errors.Is(err, errStopping):
		unavailable(w, CodeStopping, err.Error(), 0)
	default:
		unavailable(w, codeOf(err), err.Error(), 0)
	}
}

// runConf hands a membership request to the loop and answers it.
func (n *Node) runConf(w http.ResponseWriter, r *http.Request, req *confRequest) {
	req.done = make(chan confOutcome, 1)
	timer := time.NewTimer(n.cfg.RequestTimeout)
	defer timer.Stop()
	if !submit(n, w, r, timer, n.confc, req) {
		return
	}
	out, ok := await(n, w, r, timer, req.done, confOutcome{err: errStoppingWrite}, CodeOutcomeUnknown, func() string {
		return fmt.Sprintf("timed out after %v waiting for the configuration entry to be committed; the change may still take effect: check GET /members", n.cfg.RequestTimeout)
	})
	if !ok {
		return
	}
	if out.err != nil {
		n.memberError(w, r, out.err)
		return
	}
	writeJSON(w, http.StatusOK, out.members)
}

func (n *Node) handleMembers(w http.ResponseWriter, r *http.Request) {
	n.runConf(w, r, &confRequest{op: confList})
}

func (n *Node) handleAddMember(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxMemberBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("read the request body (at most %d bytes): %v", maxMemberBody, err))
		return
	}
	var req MemberRequest
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf(`the body is not {"id": N, "raft_addr": "HOST:PORT", "http_url": "URL"}: %v`, err))
		return
	}
	if req.ID == engine.None {
		writeError(w, http.StatusBadRequest, CodeBadRequest, "id must be a nonzero server id")
		return
	}
	addrs, err := MemberAddrs{Raft: req.RaftAddr, HTTP: req.HTTPAddr}.normalize()
	if err != nil {
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("server %d: %v", req.ID, err))
		return
	}
	if n.redirectUnlessLeader(w, r) {
		return
	}
	// A member already (a retry, or other addresses) is the loop's to answer: it
	// changes nothing either way, so there is nothing to check.
	if !req.Force && !n.book().conf.IsMember(req.ID) {
		if err := n.probeMember(r.Context(), req.ID, addrs); err != nil {
			writeError(w, http.StatusUnprocessableEntity, CodeMemberUnreachable,
				fmt.Sprintf("%v; nothing was added (start the server first, or add it with \"force\": true, 'raftplay member add --force', if it is to start later)", err))
			return
		}
	}
	n.runConf(w, r, &confRequest{op: confAdd, id: req.ID, addrs: addrs})
}

func (n *Node) handleRemoveMember(w http.ResponseWriter, r *http.Request) {
	raw := r.PathValue("id")
	id, err := strconv.ParseUint(raw, 10, 64)
	if err != nil || id == engine.None {
		writeError(w, http.StatusBadRequest, CodeBadRequest, fmt.Sprintf("member %q is not a server id (a nonzero decimal number)", clip(raw)))
		return
	}
	if n.redirectUnlessLeader(w, r) {
		return
	}
	n.runConf(w, r, &confRequest{op: confRemove, id: id})
}
