package engine_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/engine"
)

// The commands that move messages: deliver-one, drop, queue and step.

// matcher reads the filters from=, to=, type= and offset= (of an InstallSnapshot chunk)
// of deliver-one, drop and duplicate.
func (d *scriptDriver) matcher(c *scriptCommand) (func(engine.Message) bool, error) {
	if err := c.checkArgs(false, "from", "to", "type", "offset"); err != nil {
		return nil, err
	}
	from, err1 := c.uintArg("from", 0)
	to, err2 := c.uintArg("to", 0)
	offset := c.arg("offset")
	off, err3 := c.uintArg("offset", 0)
	typ := engine.MsgInvalid
	if v := c.arg("type"); v != nil {
		typ = parseMessageType(v[0])
		if typ == engine.MsgInvalid {
			return nil, fmt.Errorf("%s: unknown message type %q", c.name, v[0])
		}
	}
	return func(m engine.Message) bool {
		return (from == 0 || m.From == from) && (to == 0 || m.To == to) && (typ == engine.MsgInvalid || m.Type == typ) &&
			(offset == nil || m.Offset == off)
	}, errors.Join(err1, err2, err3)
}

// parseMessageType is the inverse of MessageType.String, MsgInvalid if none matches.
func parseMessageType(name string) engine.MessageType {
	for t := engine.MsgVote; !strings.HasPrefix(t.String(), "MessageType("); t++ {
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

// duplicate queues a copy of the first queued message that matches, at the end of the
// queue: the network delivers it twice.
func (d *scriptDriver) duplicate(c *scriptCommand) error {
	match, err := d.matcher(c)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(d.n.queue, match)
	if i < 0 {
		return errors.New("duplicate: no queued message matches")
	}
	fmt.Fprintf(&d.n.log, "duplicate %s\n", d.n.queue[i].Describe())
	d.n.queue = append(d.n.queue, d.n.queue[i])
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
	if err := c.checkArgs(false, "type", "from", "to", "term", "index", "log-term", "commit", "reject", "hint", "read", "offset", "data", "done", "voters"); err != nil {
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
		"log-term": &m.LogTerm, "commit": &m.Commit, "hint": &m.RejectHint, "read": &m.ReadID, "offset": &m.Offset} {
		v, err := c.uintArg(key, 0)
		*field = v
		errs = append(errs, err)
	}
	var err, errDone error
	m.Reject, err = c.boolArg("reject", false)
	m.Done, errDone = c.boolArg("done", false)
	if v := c.arg("data"); v != nil {
		m.Data = []byte(strings.Join(v, " "))
	}
	for _, v := range c.arg("voters") {
		id, err := strconv.ParseUint(v, 10, 64)
		errs = append(errs, err)
		m.Conf.Voters = append(m.Conf.Voters, id)
	}
	if err := errors.Join(append(errs, err, errDone)...); err != nil {
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
