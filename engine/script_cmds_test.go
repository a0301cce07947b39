package engine_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// scriptDriver runs the commands of one script on a network. testdata/README.md is
// the reference for the commands; each one's output is what the network's transcript
// gained while it ran (messages delivered or dropped, and the peers' events), plus the
// answer of the commands that describe something.
type scriptDriver struct {
	t *testing.T
	n *network
}

// run runs one command and returns its output. An error means the script itself is
// wrong (an unknown command, a bad argument, a crashed peer asked to act); what the
// engine refuses is output, "error: ...", since it is behaviour the script records.
func (d *scriptDriver) run(c *scriptCommand) (string, error) {
	if d.n == nil && c.name != "cluster" {
		return "", fmt.Errorf("%q before cluster: a script starts with the cluster command", c.name)
	}
	if d.n != nil {
		d.n.log.Reset()
	}
	if len(c.input) > 0 && c.name != "cluster" {
		return "", fmt.Errorf("%s takes no input lines", c.name)
	}
	var out string
	var err error
	switch c.name {
	case "cluster":
		err = d.cluster(c)
	case "tick":
		err = d.tick(c)
	case "tick-until-leader":
		out, err = d.tickUntilLeader(c)
	case "campaign":
		err = d.eachPeer(c, true, func(id uint64) { d.n.campaign(id) })
	case "propose":
		out, err = d.propose(c)
	case "read-index":
		out, err = d.readIndex(c)
	case "deliver":
		err = c.checkArgs(false)
		d.n.deliver()
	case "deliver-one":
		err = d.deliverOne(c)
	case "drop":
		err = d.drop(c)
	case "queue":
		out, err = d.queue(c)
	case "step":
		out, err = d.step(c)
	case "isolate":
		err = d.eachPeer(c, false, d.n.isolate)
	case "heal":
		err = c.checkArgs(false)
		d.n.heal()
	case "crash":
		err = d.eachPeer(c, true, d.n.crash)
	case "restart":
		err = d.restart(c)
	case "hold":
		err = d.eachPeer(c, true, func(id uint64) { d.n.held[id] = true })
	case "release":
		err = d.eachPeer(c, true, func(id uint64) { delete(d.n.held, id); d.n.handle(id) })
	case "ready":
		out, err = d.ready(c)
	case "status", "log", "applied", "reads":
		out, err = d.describe(c)
	case "check":
		err = d.check(c)
	default:
		err = fmt.Errorf("unknown command %q (testdata/README.md lists them)", c.name)
	}
	if err != nil {
		return "", err
	}
	if d.n == nil {
		return out, nil
	}
	return d.n.log.String() + out, nil
}

// cluster starts the peers: "cluster voters=3 pre-vote=false unsafe=(commit-old-terms)",
// with optional input lines giving a peer's durable state, "3 term=2 vote=3 commit=1
// log=(1, 2, 2)", from which it restarts.
func (d *scriptDriver) cluster(c *scriptCommand) error {
	if d.n != nil {
		return errors.New("cluster given twice")
	}
	if err := c.checkArgs(false, "voters", "seed", "pre-vote", "check-quorum", "election-tick",
		"heartbeat-tick", "max-size-per-msg", "max-inflight-msgs", "unsafe"); err != nil {
		return err
	}
	count, err := c.uintArg("voters", uint64(len(voters)))
	if err != nil {
		return err
	}
	if count == 0 || count > 9 {
		return fmt.Errorf("cluster: voters=%d; want 1 to 9", count)
	}
	ids := make([]uint64, count)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	mutate, err := configFromArgs(c)
	if err != nil {
		return err
	}
	cfg := engine.DefaultConfig(1, memstore.New(engine.ConfState{Voters: ids}))
	mutate(&cfg)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	preset := map[uint64]presetState{}
	for _, line := range c.input {
		id, st, err := parsePreset(line, ids)
		if err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		preset[id] = st
	}
	d.n = newNetworkOf(d.t, ids, mutate, preset)
	return nil
}

// configFromArgs turns cluster's settings into a change of DefaultConfig. seed=S gives
// peer i the seed S+i (DefaultConfig's seed is i), so every peer draws its own timeouts.
func configFromArgs(c *scriptCommand) (func(*engine.Config), error) {
	base := engine.DefaultConfig(1, nil)
	seed, err := c.uintArg("seed", 0)
	if err != nil {
		return nil, err
	}
	var errs []error
	boolean := func(key string, def bool) bool {
		v, err := c.boolArg(key, def)
		errs = append(errs, err)
		return v
	}
	number := func(key string, def uint64) uint64 {
		v, err := c.uintArg(key, def)
		errs = append(errs, err)
		return v
	}
	preVote, checkQuorum := boolean("pre-vote", base.PreVote), boolean("check-quorum", base.CheckQuorum)
	electionTick := number("election-tick", uint64(base.ElectionTick))
	heartbeatTick := number("heartbeat-tick", uint64(base.HeartbeatTick))
	maxSize := number("max-size-per-msg", base.MaxSizePerMsg)
	maxInflight := number("max-inflight-msgs", uint64(base.MaxInflightMsgs))
	var unsafe engine.UnsafeConfig
	for _, rule := range c.arg("unsafe") {
		switch rule {
		case "commit-old-terms":
			unsafe.CommitOldTerms = true
		case "skip-up-to-date-check":
			unsafe.SkipUpToDateCheck = true
		default:
			errs = append(errs, fmt.Errorf("cluster: unknown unsafe rule %q (commit-old-terms, skip-up-to-date-check)", rule))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return func(cfg *engine.Config) {
		cfg.Seed = seed + cfg.ID
		cfg.PreVote, cfg.CheckQuorum = preVote, checkQuorum
		cfg.ElectionTick, cfg.HeartbeatTick = int(electionTick), int(heartbeatTick)
		cfg.MaxSizePerMsg, cfg.MaxInflightMsgs = maxSize, int(maxInflight)
		cfg.Unsafe = unsafe
	}, nil
}

// parsePreset reads "ID term=T vote=V commit=C log=(T1, T2, ...)": the log's entries
// get indices 1, 2, ... and the given terms.
func parsePreset(line string, ids []uint64) (uint64, presetState, error) {
	words, err := splitScriptWords(strings.TrimSpace(line))
	if err != nil {
		return 0, presetState{}, err
	}
	c := &scriptCommand{name: "preset " + words[0]}
	for _, w := range words[1:] {
		c.args = append(c.args, parseScriptArg(w))
	}
	if err := c.checkArgs(false, "term", "vote", "commit", "log"); err != nil {
		return 0, presetState{}, err
	}
	id, err := strconv.ParseUint(words[0], 10, 64)
	if err != nil || !slices.Contains(ids, id) {
		return 0, presetState{}, fmt.Errorf("preset line %q: %q is not a peer of the cluster", line, words[0])
	}
	var st presetState
	var errs []error
	for key, field := range map[string]*uint64{"term": &st.hardState.Term, "vote": &st.hardState.VotedFor, "commit": &st.hardState.Commit} {
		*field, err = c.uintArg(key, 0)
		errs = append(errs, err)
	}
	var terms []uint64
	for _, v := range c.arg("log") {
		term, err := strconv.ParseUint(v, 10, 64)
		errs = append(errs, err)
		terms = append(terms, term)
	}
	st.log = presetLog(terms...)
	return id, st, errors.Join(errs...)
}

// peers parses the bare arguments as peer ids; live asks that each be running.
func (d *scriptDriver) peers(c *scriptCommand, live bool) ([]uint64, error) {
	var ids []uint64
	for _, s := range c.bare() {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || d.n.stores[id] == nil {
			return nil, fmt.Errorf("%s: %q is not a peer of the cluster", c.name, s)
		}
		if live && d.n.peers[id] == nil {
			return nil, fmt.Errorf("%s: peer %d is crashed", c.name, id)
		}
		ids = append(ids, id)
	}
	return ids, nil
}

// eachPeer runs do for each peer named, at least one.
func (d *scriptDriver) eachPeer(c *scriptCommand, live bool, do func(uint64)) error {
	if err := c.checkArgs(true); err != nil {
		return err
	}
	ids, err := d.peers(c, live)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		return fmt.Errorf("%s: name at least one peer", c.name)
	}
	for _, id := range ids {
		do(id)
	}
	return nil
}

// tick: "tick 1 2 n=3" ticks peer 1 three times, then peer 2; "tick" alone ticks
// every running peer once, in order.
func (d *scriptDriver) tick(c *scriptCommand) error {
	if err := c.checkArgs(true, "n"); err != nil {
		return err
	}
	times, err := c.uintArg("n", 1)
	if err != nil {
		return err
	}
	ids, err := d.peers(c, true)
	if err != nil {
		return err
	}
	if len(ids) == 0 {
		ids = d.n.ids()
	}
	for _, id := range ids {
		d.n.tick(id, int(times))
	}
	return nil
}

// tickUntilLeader runs rounds of "every peer ticks once, then deliver" until one leader
// holds the highest term, at most max-rounds (default 100) of them.
func (d *scriptDriver) tickUntilLeader(c *scriptCommand) (string, error) {
	if err := c.checkArgs(false, "max-rounds"); err != nil {
		return "", err
	}
	rounds, err := c.uintArg("max-rounds", 100)
	if err != nil {
		return "", err
	}
	for round := uint64(1); round <= rounds; round++ {
		for _, id := range d.n.ids() {
			d.n.tick(id, 1)
		}
		d.n.deliver()
		if leader, term := d.leader(); leader != engine.None {
			return fmt.Sprintf("leader %d in term %d after %d rounds\n", leader, term, round), nil
		}
	}
	return fmt.Sprintf("no leader after %d rounds\n", rounds), nil
}

// leader returns the leader of the highest term among running peers, or None.
func (d *scriptDriver) leader() (uint64, uint64) {
	leader, term := engine.None, uint64(0)
	for id, p := range d.n.peers {
		if st := p.Status(); st.State == engine.StateLeader && st.Term > term {
			leader, term = id, st.Term
		}
	}
	return leader, term
}

// propose: "propose 1 cmd="SET x 1"" proposes one command; with count=N it proposes
// "SET x 1 0" ... "SET x 1 N-1", all before the peer's next Ready (one batch).
func (d *scriptDriver) propose(c *scriptCommand) (string, error) {
	id, err := d.onePeer(c, "cmd", "count")
	if err != nil {
		return "", err
	}
	cmd := c.arg("cmd")
	if len(cmd) != 1 {
		return "", errors.New(`propose: give the command as cmd="..."`)
	}
	count, err := c.uintArg("count", 1)
	if err != nil {
		return "", err
	}
	var out string
	for i := range count {
		text := cmd[0]
		if c.arg("count") != nil {
			text = fmt.Sprintf("%s %d", text, i)
		}
		if _, err := d.n.peers[id].Propose([]byte(text), nil); err != nil {
			out = fmt.Sprintf("error: %v\n", err)
			break
		}
	}
	d.n.handle(id)
	return out, nil
}

// readIndex: "read-index 1 id=7" asks peer 1 for a linearizable read with request id 7.
func (d *scriptDriver) readIndex(c *scriptCommand) (string, error) {
	id, err := d.onePeer(c, "id")
	if err != nil {
		return "", err
	}
	request, err := c.uintArg("id", 0)
	if err != nil || request == 0 {
		return "", errors.Join(err, errors.New("read-index: give a nonzero request id=N"))
	}
	var out string
	if err := d.n.peers[id].ReadIndex(request); err != nil {
		out = fmt.Sprintf("error: %v\n", err)
	}
	d.n.handle(id)
	return out, nil
}

// onePeer parses a command that acts on exactly one running peer.
func (d *scriptDriver) onePeer(c *scriptCommand, keys ...string) (uint64, error) {
	if err := c.checkArgs(true, keys...); err != nil {
		return 0, err
	}
	ids, err := d.peers(c, true)
	if err != nil {
		return 0, err
	}
	if len(ids) != 1 {
		return 0, fmt.Errorf("%s: name exactly one peer", c.name)
	}
	return ids[0], nil
}

// matcher reads the filters from=, to= and type= of deliver-one and drop.
func (d *scriptDriver) matcher(c *scriptCommand) (func(engine.Message) bool, error) {
	if err := c.checkArgs(false, "from", "to", "type"); err != nil {
		return nil, err
	}
	from, err1 := c.uintArg("from", 0)
	to, err2 := c.uintArg("to", 0)
	typ := engine.MsgInvalid
	if v := c.arg("type"); v != nil {
		typ = parseMessageType(v[0])
		if typ == engine.MsgInvalid {
			return nil, fmt.Errorf("%s: unknown message type %q", c.name, v[0])
		}
	}
	return func(m engine.Message) bool {
		return (from == 0 || m.From == from) && (to == 0 || m.To == to) && (typ == engine.MsgInvalid || m.Type == typ)
	}, errors.Join(err1, err2)
}

// parseMessageType is the inverse of MessageType.String, MsgInvalid if none matches.
func parseMessageType(name string) engine.MessageType {
	for t := engine.MsgVote; t <= engine.MsgHeartbeatResp; t++ {
		if t.String() == name {
			return t
		}
	}
	return engine.MsgInvalid
}

// deliverOne delivers the first queued message that matches, leaving what it causes
// queued: with filters, that reorders the network.
func (d *scriptDriver) deliverOne(c *scriptCommand) error {
	match, err := d.matcher(c)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(d.n.queue, match)
	if i < 0 {
		return errors.New("deliver-one: no queued message matches")
	}
	d.n.deliver1(i)
	return nil
}

// drop removes the queued messages that match (all of them without filters).
func (d *scriptDriver) drop(c *scriptCommand) error {
	match, err := d.matcher(c)
	if err != nil {
		return err
	}
	d.n.queue = slices.DeleteFunc(d.n.queue, func(m engine.Message) bool {
		if match(m) {
			fmt.Fprintf(&d.n.log, "drop %s\n", m.Describe())
			return true
		}
		return false
	})
	return nil
}

func (d *scriptDriver) queue(c *scriptCommand) (string, error) {
	if err := c.checkArgs(false); err != nil {
		return "", err
	}
	var b strings.Builder
	for _, m := range d.n.queue {
		fmt.Fprintf(&b, "queued %s\n", m.Describe())
	}
	return b.String(), nil
}

// step hands a peer a message written in the script, for messages no peer of the
// script would send: "step type=PreVoteResp from=2 to=3 term=2 reject=true".
func (d *scriptDriver) step(c *scriptCommand) (string, error) {
	if err := c.checkArgs(false, "type", "from", "to", "term", "index", "log-term", "commit", "reject", "hint", "read"); err != nil {
		return "", err
	}
	var m engine.Message
	if v := c.arg("type"); v != nil {
		m.Type = parseMessageType(v[0])
	}
	if m.Type == engine.MsgInvalid {
		return "", fmt.Errorf("step: give a known message type=, got %v", c.arg("type"))
	}
	var errs []error
	for key, field := range map[string]*uint64{"from": &m.From, "to": &m.To, "term": &m.Term, "index": &m.Index,
		"log-term": &m.LogTerm, "commit": &m.Commit, "hint": &m.RejectHint, "read": &m.ReadID} {
		v, err := c.uintArg(key, 0)
		*field = v
		errs = append(errs, err)
	}
	var err error
	m.Reject, err = c.boolArg("reject", false)
	if err := errors.Join(append(errs, err)...); err != nil {
		return "", err
	}
	p := d.n.peers[m.To]
	if p == nil {
		return "", fmt.Errorf("step: to=%d is not a running peer", m.To)
	}
	fmt.Fprintf(&d.n.log, "%s\n", m.Describe())
	if err := p.Step(m); err != nil {
		return fmt.Sprintf("error: %v\n", err), nil
	}
	d.n.handle(m.To)
	return "", nil
}

func (d *scriptDriver) restart(c *scriptCommand) error {
	if err := c.checkArgs(true); err != nil {
		return err
	}
	ids, err := d.peers(c, false)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if d.n.peers[id] != nil {
			return fmt.Errorf("restart: peer %d is running; crash it first", id)
		}
		d.n.restart(id)
	}
	return nil
}

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

// describe answers status, log, applied and reads for the peers named, or all.
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
	if p == nil {
		return "crashed"
	}
	st := p.Status()
	return fmt.Sprintf("%s term=%d vote=%d lead=%d commit=%d applied=%d last=%d@%d",
		st.State, st.Term, st.VotedFor, st.Lead, st.CommitIndex, st.LastApplied, st.LastIndex, st.LastTerm)
}

// check asserts facts about one peer, "check 1 role=leader term=2 log=(1, 1, 2)", and
// fails the test when one is false, with or without -update: unlike an output, a check
// cannot be rewritten into agreement.
func (d *scriptDriver) check(c *scriptCommand) error {
	id, err := d.onePeer(c, "role", "term", "vote", "lead", "commit", "applied", "last", "log")
	if err != nil {
		return err
	}
	st := d.n.status(id)
	got := map[string]string{
		"role": st.State.String(), "term": fmt.Sprint(st.Term), "vote": fmt.Sprint(st.VotedFor),
		"lead": fmt.Sprint(st.Lead), "commit": fmt.Sprint(st.CommitIndex),
		"applied": fmt.Sprint(st.LastApplied), "last": fmt.Sprint(st.LastIndex),
		"log": d.n.terms(id),
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
