package engine_test

import (
	"fmt"
	"strconv"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// The membership commands (§6): a server that joins, the changes a leader proposes, and
// each peer's configuration.

// join starts new peers with empty storage and no configuration: "join 4 5". They learn
// the configuration from the leader's entries or snapshot.
func (d *scriptDriver) join(c *scriptCommand) error {
	if err := c.checkArgs(true); err != nil {
		return err
	}
	words := c.bare()
	if len(words) == 0 {
		return fmt.Errorf("%s: name at least one peer", c.name)
	}
	for _, s := range words {
		id, err := strconv.ParseUint(s, 10, 64)
		if err != nil || id == 0 {
			return fmt.Errorf("join: %q is not a peer id", s)
		}
		if d.n.stores[id] != nil {
			return fmt.Errorf("join: peer %d exists already", id)
		}
		d.n.stores[id] = memstore.New(engine.ConfState{})
		d.n.start(id)
	}
	return nil
}

// confChange proposes a change on one peer: "add-learner 1 id=4", "promote 1 id=4",
// "remove 1 id=2", or "conf-change 1 voters=(1, 2, 4) learners=(5)". A refusal is
// output as "error: ...", and so is a change the current configuration cannot make.
func (d *scriptDriver) confChange(c *scriptCommand) (string, error) {
	keys := []string{"id"}
	if c.name == "conf-change" {
		keys = []string{"voters", "learners"}
	}
	leader, err := d.onePeer(c, keys...)
	if err != nil {
		return "", err
	}
	p := d.n.peers[leader]
	cs := p.ConfState()
	var cc engine.ConfChange
	if c.name == "conf-change" {
		if cc.Voters, err = idList(c.arg("voters")); err != nil {
			return "", err
		}
		if cc.Learners, err = idList(c.arg("learners")); err != nil {
			return "", err
		}
	} else {
		id, err := c.uintArg("id", 0)
		if err != nil || id == 0 {
			return "", fmt.Errorf("%s: give the server as id=N", c.name)
		}
		switch c.name {
		case "add-learner":
			cc, err = cs.AddLearner(id, fmt.Appendf(nil, "addr-%d", id))
		case "promote":
			cc, err = cs.PromoteLearner(id)
		case "remove":
			cc, err = cs.RemoveMember(id)
		}
		if err != nil {
			return fmt.Sprintf("error: %v\n", err), nil
		}
	}
	var out string
	if _, err := p.ProposeConfChange(cc); err != nil {
		out = fmt.Sprintf("error: %v\n", err)
	}
	d.n.handle(leader)
	return out, nil
}

func idList(words []string) ([]uint64, error) {
	var ids []uint64
	for _, w := range words {
		id, err := strconv.ParseUint(w, 10, 64)
		if err != nil {
			return nil, fmt.Errorf("%q is not a peer id", w)
		}
		ids = append(ids, id)
	}
	return ids, nil
}
