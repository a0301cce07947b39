package lessons

import (
	"fmt"
	"strconv"
	"strings"
)

// Describe says in words what the check waits for: its label if it has one.
func (c *Check) Describe() string {
	if c.Label != "" {
		return c.Label
	}
	switch {
	case c.Event != nil:
		return c.Event.describe()
	case c.Peer != nil:
		return c.Peer.describe()
	case c.Leader != nil:
		return c.Leader.describe()
	case c.Log != nil:
		return c.Log.describe()
	case c.Commit != nil:
		return c.Commit.describe()
	case c.KV != nil:
		return c.KV.describe()
	case c.Client != nil:
		return c.Client.describe()
	case c.Violation != nil:
		return c.Violation.describe()
	case c.Before != nil:
		return c.Before.First.describe() + ", before " + c.Before.Then.describe()
	case c.All != nil:
		return joinChecks(c.All, " and ")
	case c.Any != nil:
		return "either " + joinChecks(c.Any, " or ")
	case c.Not != nil:
		return "not (" + c.Not.Describe() + ")"
	}
	return "nothing"
}

func joinChecks(list []*Check, sep string) string {
	parts := make([]string, len(list))
	for i, c := range list {
		parts[i] = c.Describe()
	}
	return strings.Join(parts, sep)
}

func times(n int) string {
	if n <= 1 {
		return ""
	}
	return fmt.Sprintf(" (at least %d times)", n)
}

func (e *EventCheck) describe() string {
	var b strings.Builder
	b.WriteString("event \"" + e.Kind + "\"")
	var with []string
	add := func(name, value string) { with = append(with, name+" "+value) }
	if e.Peer != nil && e.Peer.Name != RefAny {
		add("at", e.Peer.describe())
	}
	if e.From != nil {
		add("from", e.From.describe())
	}
	if e.To != nil {
		add("to", e.To.describe())
	}
	if e.Role != "" {
		add("role", e.Role)
	}
	if e.Reason != "" {
		add("reason", e.Reason)
	}
	if e.MsgType != "" {
		add("message", e.MsgType)
	}
	for _, f := range []struct {
		name string
		v    *uint64
	}{{"term", e.Term}, {"index", e.Index}, {"log term", e.LogTerm}} {
		if f.v != nil {
			add(f.name, strconv.FormatUint(*f.v, 10))
		}
	}
	if e.MinIndex != nil {
		add("index at least", strconv.FormatUint(*e.MinIndex, 10))
	}
	if e.Entries != nil {
		add("entries", strconv.Itoa(*e.Entries))
	}
	if e.PreVote != nil {
		add("pre-vote", strconv.FormatBool(*e.PreVote))
	}
	if e.Reject != nil {
		add("reject", strconv.FormatBool(*e.Reject))
	}
	if e.Client != nil {
		add("client", strconv.FormatUint(*e.Client, 10))
	}
	if len(with) > 0 {
		b.WriteString(" (" + strings.Join(with, ", ") + ")")
	}
	b.WriteString(times(e.Count))
	return b.String()
}

func riseText(min, max *uint64) string {
	switch {
	case min != nil && max != nil && *min == *max:
		return fmt.Sprintf("its term %d above the step's start", *min)
	case min != nil && max != nil:
		return fmt.Sprintf("its term %d to %d above the step's start", *min, *max)
	case min != nil:
		return fmt.Sprintf("its term at least %d above the step's start", *min)
	case max != nil && *max == 0:
		return "its term unchanged since the step's start"
	case max != nil:
		return fmt.Sprintf("its term at most %d above the step's start", *max)
	}
	return ""
}

func (c *PeerCheck) describe() string {
	var with []string
	if c.Role != "" {
		with = append(with, "is "+c.Role)
	}
	if c.Term != nil {
		with = append(with, fmt.Sprintf("is in term %d", *c.Term))
	}
	if r := riseText(c.MinTermRise, c.MaxTermRise); r != "" {
		with = append(with, "has "+r)
	}
	if c.Vote != nil {
		if *c.Vote == 0 {
			with = append(with, "has no vote recorded")
		} else {
			with = append(with, fmt.Sprintf("has voted for %d", *c.Vote))
		}
	}
	if c.Lead != nil {
		with = append(with, "follows "+c.Lead.describe())
	}
	if c.Voters != nil {
		names := make([]string, len(c.Voters))
		for i, id := range c.Voters {
			names[i] = "S" + strconv.FormatUint(id, 10)
		}
		with = append(with, "has the voters "+strings.Join(names, ", "))
	}
	return c.ID.describe() + " " + strings.Join(with, ", ")
}

func (c *LeaderCheck) describe() string {
	if c.Exists != nil && !*c.Exists {
		return "no leader"
	}
	var with []string
	if c.Is != nil {
		with = append(with, "is "+c.Is.describe())
	}
	if c.IsNot != nil {
		with = append(with, "is not "+c.IsNot.describe())
	}
	if r := riseText(c.MinTermRise, c.MaxTermRise); r != "" {
		with = append(with, "has "+r)
	}
	if len(with) == 0 {
		return "a leader"
	}
	return "a leader that " + strings.Join(with, " and ")
}

func (c *LogCheck) describe() string {
	var with []string
	if c.EqualsPeer != nil {
		with = append(with, "equals the log of "+c.EqualsPeer.describe())
	}
	if c.Contains != "" {
		s := fmt.Sprintf("holds %q", c.Contains)
		if c.Committed != nil {
			if *c.Committed {
				s += ", committed"
			} else {
				s += ", not committed"
			}
		}
		with = append(with, s)
	}
	if c.Lacks != "" {
		with = append(with, fmt.Sprintf("does not hold %q", c.Lacks))
	}
	if c.Terms != nil {
		terms := make([]string, len(c.Terms))
		for i, t := range c.Terms {
			terms[i] = strconv.FormatUint(t, 10)
		}
		with = append(with, "has the terms ["+strings.Join(terms, " ")+"]")
	}
	return "the log of " + c.Peer.describe() + " " + strings.Join(with, " and ")
}

func (c *CommitCheck) describe() string {
	s := "the commit index of " + c.Peer.describe()
	switch {
	case c.AtLeast != nil && c.AtMost != nil:
		return fmt.Sprintf("%s between %d and %d", s, *c.AtLeast, *c.AtMost)
	case c.AtLeast != nil:
		return fmt.Sprintf("%s at least %d", s, *c.AtLeast)
	}
	return fmt.Sprintf("%s at most %d", s, *c.AtMost)
}

func (c *KVCheck) describe() string {
	if c.Absent {
		return fmt.Sprintf("%s has no key %q", c.Peer.describe(), c.Key)
	}
	return fmt.Sprintf("%s has applied %s = %s", c.Peer.describe(), c.Key, *c.Value)
}

func (c *ClientCheck) describe() string {
	s := "a client "
	if c.Op != "" {
		s += c.Op
	} else {
		s += "operation"
	}
	if c.Key != "" {
		s += " " + c.Key
	}
	if c.Peer != nil && c.Peer.Name != RefAny {
		s += " at " + c.Peer.describe()
	}
	switch c.Outcome {
	case "ok":
		s += " that succeeded"
	case "failed":
		s += " that failed"
	case "unknown":
		s += " with an unknown outcome"
	case outcomePending:
		s += " still in progress"
	default:
		s += " that ended"
	}
	if c.Result != nil {
		s += fmt.Sprintf(" with the result %q", *c.Result)
	}
	return s + times(c.Count)
}

func (c *ViolationCheck) describe() string {
	if c.Invariant == "any" {
		return "a safety violation" + times(c.Count)
	}
	return "a violation of " + c.Invariant + times(c.Count)
}
