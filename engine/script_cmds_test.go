package engine_test

import (
	"errors"
	"fmt"
	"strconv"
	"testing"

	"github.com/raftplay/raftplay/engine"
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
	case "duplicate":
		err = d.duplicate(c)
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
	case "status", "log", "applied", "reads", "conf":
		out, err = d.describe(c)
	case "check":
		err = d.check(c)
	case "snapshot":
		out, err = d.snapshot(c)
	case "join":
		err = d.join(c)
	case "add-learner", "promote", "remove", "conf-change":
		out, err = d.confChange(c)
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
		if st := p.Status(); st.Role == engine.RoleLeader && st.Term > term {
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
