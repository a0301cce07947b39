package lessons

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/sim"
)

// Check is a condition over the simulated cluster that a step waits for. In a lesson
// file it is a JSON object with one kind key (and an optional "label" shown to the
// learner instead of the generated description):
//
//	{"event": {"kind": "role", "role": "leader"}}
//	{"label": "peer 3 caught up", "log": {"peer": 3, "equals_peer": "leader"}}
//	{"all": [{"peer": {"id": 2, "role": "down"}}, {"leader": {"min_term_rise": 1}}]}
//
// Exactly one of the kind fields is set. lessons/README.md documents every kind.
type Check struct {
	Label string `json:"label,omitempty"`

	Event     *EventCheck     `json:"event,omitempty"`
	Peer      *PeerCheck      `json:"peer,omitempty"`
	Leader    *LeaderCheck    `json:"leader,omitempty"`
	Log       *LogCheck       `json:"log,omitempty"`
	Commit    *CommitCheck    `json:"commit,omitempty"`
	KV        *KVCheck        `json:"kv,omitempty"`
	Client    *ClientCheck    `json:"client,omitempty"`
	Violation *ViolationCheck `json:"violation,omitempty"`
	Before    *OrderCheck     `json:"before,omitempty"`
	All       []*Check        `json:"all,omitempty"`
	Any       []*Check        `json:"any,omitempty"`
	Not       *Check          `json:"not,omitempty"`
}

// EventCheck passes when at least Count trace events (engine or simulator events, see
// sim.TraceEvent) since the step began match every field that is set.
type EventCheck struct {
	Kind  string   `json:"kind"`
	Peer  *PeerRef `json:"peer,omitempty"`
	From  *PeerRef `json:"from,omitempty"`
	To    *PeerRef `json:"to,omitempty"`
	Term  *uint64  `json:"term,omitempty"`
	Index *uint64  `json:"index,omitempty"`
	// MinIndex is a lower bound of the event's index: an AppendEntriesResp that
	// acknowledges entry 32 or a later one.
	MinIndex *uint64 `json:"min_index,omitempty"`
	LogTerm  *uint64 `json:"log_term,omitempty"`
	Reason   string  `json:"reason,omitempty"`
	Role     string  `json:"role,omitempty"`
	PreVote  *bool   `json:"pre_vote,omitempty"`
	MsgType  string  `json:"msg_type,omitempty"`
	Entries  *int    `json:"entries,omitempty"`
	Reject   *bool   `json:"reject,omitempty"`
	// Client is the client of a client-request or client-response: a session's client
	// id, 0 for a command sent without a session.
	Client *uint64 `json:"client,omitempty"`
	Count  int     `json:"count,omitempty"`
}

// PeerCheck passes when each of the peers ID names matches every field given, now:
// Role (a role, "down" or "up"), Term, how far its term rose since the step began
// (MinTermRise, MaxTermRise), Vote, Lead, and Voters: the voters of the configuration it
// uses (§6: the latest in its log; while joint, those of C_new). At least one of them
// must be given.
type PeerCheck struct {
	ID          PeerRef  `json:"id"`
	Role        string   `json:"role,omitempty"`
	Term        *uint64  `json:"term,omitempty"`
	MinTermRise *uint64  `json:"min_term_rise,omitempty"`
	MaxTermRise *uint64  `json:"max_term_rise,omitempty"`
	Vote        *uint64  `json:"vote,omitempty"`
	Lead        *PeerRef `json:"lead,omitempty"`
	Voters      []uint64 `json:"voters,omitempty"`
}

// LeaderCheck passes when there is (or is not) a leader now, with the given identity
// and term. The leader is the one of the highest term among the peers that are up.
type LeaderCheck struct {
	Exists      *bool    `json:"exists,omitempty"`
	Is          *PeerRef `json:"is,omitempty"`
	IsNot       *PeerRef `json:"is_not,omitempty"`
	MinTermRise *uint64  `json:"min_term_rise,omitempty"`
	MaxTermRise *uint64  `json:"max_term_rise,omitempty"`
}

// LogCheck passes when the logs of the peers Peer names are as described now.
type LogCheck struct {
	Peer       PeerRef  `json:"peer"`
	EqualsPeer *PeerRef `json:"equals_peer,omitempty"`
	Contains   string   `json:"contains,omitempty"`
	Lacks      string   `json:"lacks,omitempty"`
	Committed  *bool    `json:"committed,omitempty"`
	Terms      []uint64 `json:"terms,omitempty"`
}

// CommitCheck passes when the commit index of the peers Peer names is in range now.
type CommitCheck struct {
	Peer    PeerRef `json:"peer"`
	AtLeast *uint64 `json:"at_least,omitempty"`
	AtMost  *uint64 `json:"at_most,omitempty"`
}

// KVCheck passes when the state machine of the peers Peer names holds Value at Key (or
// lacks Key, with Absent) now.
type KVCheck struct {
	Peer   PeerRef `json:"peer"`
	Key    string  `json:"key"`
	Value  *string `json:"value,omitempty"`
	Absent bool    `json:"absent,omitempty"`
}

// ClientCheck passes when at least Count client operations issued since the step began
// (commands and reads the learner sent) match every field that is set.
type ClientCheck struct {
	Op      string   `json:"op,omitempty"`
	Key     string   `json:"key,omitempty"`
	Peer    *PeerRef `json:"peer,omitempty"`
	Outcome string   `json:"outcome,omitempty"`
	Result  *string  `json:"result,omitempty"`
	Count   int      `json:"count,omitempty"`
}

// ViolationCheck passes when at least Count safety violations of the invariant (or of
// any, with "any") were found since the step began.
type ViolationCheck struct {
	Invariant string `json:"invariant"`
	Count     int    `json:"count,omitempty"`
}

// OrderCheck is a condition on the order of two events since the step began: it passes
// once an event matching First has come before the first event matching Then, and it
// has failed for good when an event matching Then comes with none matching First before
// it, however the run goes on. It tells a right order of moves from a wrong one that
// ends in the same state: a learner promoted after it caught up (§6) from one promoted
// before, which catches up later all the same. Events are taken in the trace's order,
// so the page and `raftplay lesson check` judge a run alike.
type OrderCheck struct {
	First *EventCheck `json:"first"`
	Then  *EventCheck `json:"then"`
}

// outcomePending is the client check's outcome for an operation still in progress: a
// read that waits for ReadIndex, a write not yet applied.
const outcomePending = "pending"

// Limits on a check from a lesson file.
const (
	maxCheckDepth = 8
	maxCheckNodes = 64
)

var checkKinds = []string{"event", "peer", "leader", "log", "commit", "kv", "client", "violation", "before", "all", "any", "not"}

// The names an event check may use come from engine and sim, where they are defined:
// a kind, reason, role or message type added there is valid here at once.
var (
	roleNames    = names(engine.Roles())
	peerRoles    = append(names(engine.Roles()), "down", "up")
	voteReasons  = names(engine.Reasons())
	messageTypes = names(engine.MessageTypes())
	clientOps    = []string{"PUT", "GET", "DELETE", "CAS"}
	outcomes     = []string{string(sim.OutcomeOK), string(sim.OutcomeFailed), string(sim.OutcomeUnknown), outcomePending}
	invariants   = []string{"any", sim.InvElectionSafety, sim.InvLeaderAppendOnly, sim.InvLogMatching, sim.InvLeaderCompleteness, sim.InvStateMachineSafety, sim.InvMonotonic, sim.InvIndexOrder, sim.InvAckedDurable, sim.InvLiveness, sim.InvEnginePanic, sim.InvMessageRejected, sim.InvStorage, sim.InvStaleRead}
	errNotAnObj  = errors.New("must be a JSON object with one check kind, such as {\"event\": {\"kind\": \"role\"}}")
)

// names are the String forms of a vocabulary's values.
func names[T fmt.Stringer](values []T) []string {
	out := make([]string, len(values))
	for i, v := range values {
		out[i] = v.String()
	}
	return out
}

// checkParser parses one step's check, counting nodes against maxCheckNodes.
type checkParser struct {
	peers int
	nodes int
}

// parse reads the check at path (such as "check.all[1]").
func (p *checkParser) parse(raw json.RawMessage, path string, depth int) (*Check, error) {
	if depth > maxCheckDepth {
		return nil, fmt.Errorf("%s: checks nest deeper than %d levels", path, maxCheckDepth)
	}
	if p.nodes++; p.nodes > maxCheckNodes {
		return nil, fmt.Errorf("%s: a step's check may hold at most %d parts", path, maxCheckNodes)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return nil, fmt.Errorf("%s: %w", path, errNotAnObj)
	}
	c := &Check{}
	if label, ok := fields["label"]; ok {
		if err := json.Unmarshal(label, &c.Label); err != nil {
			return nil, fmt.Errorf("%s.label: must be a string", path)
		}
		delete(fields, "label")
	}
	keys := make([]string, 0, len(fields))
	for k := range fields {
		keys = append(keys, k)
	}
	sortStrings(keys)
	switch {
	case len(keys) == 0:
		return nil, fmt.Errorf("%s: no check kind (want one of %s)", path, strings.Join(checkKinds, ", "))
	case len(keys) > 1:
		return nil, fmt.Errorf("%s: one check kind per object, got %s; combine them with {\"all\": [...]}", path, strings.Join(keys, " and "))
	}
	kind := keys[0]
	body := fields[kind]
	sub := path + "." + kind
	var err error
	switch kind {
	case "event":
		if body, err = renameLegacyRole(body); err == nil {
			c.Event, err = decodeBody[EventCheck](body, sub)
		}
		if err == nil {
			err = c.Event.validate(p.peers)
		}
	case "peer":
		if body, err = renameLegacyRole(body); err == nil {
			c.Peer, err = decodeBody[PeerCheck](body, sub)
		}
		if err == nil {
			err = c.Peer.validate(p.peers)
		}
	case "leader":
		c.Leader, err = decodeBody[LeaderCheck](body, sub)
		if err == nil {
			err = c.Leader.validate(p.peers)
		}
	case "log":
		c.Log, err = decodeBody[LogCheck](body, sub)
		if err == nil {
			err = c.Log.validate(p.peers)
		}
	case "commit":
		c.Commit, err = decodeBody[CommitCheck](body, sub)
		if err == nil {
			err = c.Commit.validate(p.peers)
		}
	case "kv":
		c.KV, err = decodeBody[KVCheck](body, sub)
		if err == nil {
			err = c.KV.validate(p.peers)
		}
	case "client":
		c.Client, err = decodeBody[ClientCheck](body, sub)
		if err == nil {
			err = c.Client.validate(p.peers)
		}
	case "violation":
		c.Violation, err = decodeBody[ViolationCheck](body, sub)
		if err == nil {
			err = c.Violation.validate()
		}
	case "before":
		c.Before, err = decodeBody[OrderCheck](body, sub)
		if err == nil {
			err = c.Before.validate(p.peers)
		}
	case "all", "any":
		var list []*Check
		list, err = p.parseList(body, sub, depth)
		if kind == "all" {
			c.All = list
		} else {
			c.Any = list
		}
		return c, err
	case "not":
		c.Not, err = p.parse(body, sub, depth+1)
		return c, err
	default:
		return nil, fmt.Errorf("%s: unknown check kind %q (want one of %s)", path, kind, strings.Join(checkKinds, ", "))
	}
	if err != nil {
		if strings.HasPrefix(err.Error(), sub) {
			return nil, err
		}
		return nil, fmt.Errorf("%s: %w", sub, err)
	}
	return c, nil
}

func (p *checkParser) parseList(body json.RawMessage, path string, depth int) ([]*Check, error) {
	var items []json.RawMessage
	if err := json.Unmarshal(body, &items); err != nil {
		return nil, fmt.Errorf("%s: must be a list of checks", path)
	}
	if len(items) == 0 {
		return nil, fmt.Errorf("%s: the list is empty", path)
	}
	out := make([]*Check, 0, len(items))
	for i, item := range items {
		c, err := p.parse(item, fmt.Sprintf("%s[%d]", path, i), depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, nil
}

// decodeBody decodes a check kind's fields, refusing unknown ones.
func decodeBody[T any](body json.RawMessage, path string) (*T, error) {
	v := new(T)
	if err := strictUnmarshal(body, v); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return v, nil
}

// strictUnmarshal decodes one JSON value into v, refusing unknown fields and anything
// after the value.
func strictUnmarshal(data []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if dec.More() {
		return errors.New("unexpected data after the JSON value")
	}
	return nil
}

func oneOf(field, value string, allowed []string) error {
	if slices.Contains(allowed, value) {
		return nil
	}
	return fmt.Errorf("%s %q is not known (want one of %s)", field, value, strings.Join(allowed, ", "))
}

func validRef(field string, r *PeerRef, peers int, allowed []string) error {
	if r == nil {
		return nil
	}
	if err := r.validate(peers, allowed); err != nil {
		return fmt.Errorf("%s: %w", field, err)
	}
	return nil
}

func (e *EventCheck) validate(peers int) error {
	if e.Kind == "" {
		return errors.New("needs \"kind\", such as \"role\" or \"vote-granted\"")
	}
	if _, ok := engine.ParseEventKind(e.Kind); !ok && !slices.Contains(sim.TraceKinds(), e.Kind) {
		return fmt.Errorf("kind %q is not an engine or simulator event (see lessons/README.md)", e.Kind)
	}
	if err := validRef("peer", e.Peer, peers, refsEvent); err != nil {
		return err
	}
	if err := validRef("from", e.From, peers, refsStep); err != nil {
		return err
	}
	if err := validRef("to", e.To, peers, refsStep); err != nil {
		return err
	}
	if e.Reason != "" {
		if err := oneOf("reason", e.Reason, voteReasons); err != nil {
			return err
		}
	}
	if e.Role != "" {
		if err := oneOf("role", e.Role, roleNames); err != nil {
			return err
		}
	}
	if e.MsgType != "" {
		if err := oneOf("msg_type", e.MsgType, messageTypes); err != nil {
			return err
		}
	}
	if e.Count < 0 || e.Count > 10_000 {
		return fmt.Errorf("count must be 1 to 10000, got %d", e.Count)
	}
	if e.Index != nil && e.MinIndex != nil {
		return errors.New("\"index\" and \"min_index\" cannot both be set")
	}
	return nil
}

func (o *OrderCheck) validate(peers int) error {
	for _, side := range []struct {
		name string
		e    *EventCheck
	}{{"first", o.First}, {"then", o.Then}} {
		if side.e == nil {
			return fmt.Errorf("needs \"%s\": an event check, such as {\"kind\": \"learner-promoted\"}", side.name)
		}
		if side.e.Count != 0 {
			return fmt.Errorf("%s: count has no meaning here: the first matching event is the one ordered", side.name)
		}
		if err := side.e.validate(peers); err != nil {
			return fmt.Errorf("%s: %w", side.name, err)
		}
	}
	return nil
}

func validRise(min, max *uint64) error {
	if min != nil && max != nil && *min > *max {
		return fmt.Errorf("min_term_rise %d is above max_term_rise %d", *min, *max)
	}
	return nil
}

func (c *PeerCheck) validate(peers int) error {
	if c.ID == (PeerRef{}) {
		return errors.New("needs \"id\": a peer id or one of \"any\", \"all\", \"up\", \"leader\", \"step_leader\"")
	}
	if err := validRef("id", &c.ID, peers, refsMany); err != nil {
		return err
	}
	if c.Role != "" {
		if err := oneOf("role", c.Role, peerRoles); err != nil {
			return err
		}
	}
	if err := validRef("lead", c.Lead, peers, refsOne); err != nil {
		return err
	}
	for _, id := range c.Voters {
		if id < 1 || id > uint64(peers) {
			return fmt.Errorf("voters: %d is not a peer (peers are 1..%d)", id, peers)
		}
	}
	if c.Role == "" && c.Term == nil && c.MinTermRise == nil && c.MaxTermRise == nil && c.Vote == nil && c.Lead == nil && c.Voters == nil {
		return errors.New("says nothing to check: set role, term, min_term_rise, max_term_rise, vote, lead or voters")
	}
	return validRise(c.MinTermRise, c.MaxTermRise)
}

func (c *LeaderCheck) validate(peers int) error {
	if err := validRef("is", c.Is, peers, refsStep); err != nil {
		return err
	}
	if err := validRef("is_not", c.IsNot, peers, refsStep); err != nil {
		return err
	}
	if c.Exists != nil && !*c.Exists && (c.Is != nil || c.IsNot != nil || c.MinTermRise != nil || c.MaxTermRise != nil) {
		return errors.New("\"exists\": false cannot be combined with is, is_not or a term rise")
	}
	return validRise(c.MinTermRise, c.MaxTermRise)
}

func (c *LogCheck) validate(peers int) error {
	if c.Peer == (PeerRef{}) {
		return errors.New("needs \"peer\"")
	}
	if err := validRef("peer", &c.Peer, peers, refsMany); err != nil {
		return err
	}
	if err := validRef("equals_peer", c.EqualsPeer, peers, refsOne); err != nil {
		return err
	}
	if c.Committed != nil && c.Contains == "" {
		return errors.New("\"committed\" needs \"contains\": it says whether that entry is committed")
	}
	if c.EqualsPeer == nil && c.Contains == "" && c.Lacks == "" && c.Terms == nil {
		return errors.New("says nothing to check: set equals_peer, contains, lacks or terms")
	}
	if len(c.Terms) > sim.MaxPresetLog {
		return fmt.Errorf("terms holds %d entries, more than %d", len(c.Terms), sim.MaxPresetLog)
	}
	return nil
}

func (c *CommitCheck) validate(peers int) error {
	if c.Peer == (PeerRef{}) {
		return errors.New("needs \"peer\"")
	}
	if err := validRef("peer", &c.Peer, peers, refsMany); err != nil {
		return err
	}
	if c.AtLeast == nil && c.AtMost == nil {
		return errors.New("says nothing to check: set at_least or at_most")
	}
	if c.AtLeast != nil && c.AtMost != nil && *c.AtLeast > *c.AtMost {
		return fmt.Errorf("at_least %d is above at_most %d", *c.AtLeast, *c.AtMost)
	}
	return nil
}

func (c *KVCheck) validate(peers int) error {
	if c.Peer == (PeerRef{}) {
		return errors.New("needs \"peer\"")
	}
	if err := validRef("peer", &c.Peer, peers, refsMany); err != nil {
		return err
	}
	switch {
	case c.Key == "":
		return errors.New("needs \"key\"")
	case c.Value == nil && !c.Absent:
		return errors.New("set \"value\" (the value the key must hold) or \"absent\": true")
	case c.Value != nil && c.Absent:
		return errors.New("\"value\" and \"absent\" cannot both be set")
	}
	return nil
}

func (c *ClientCheck) validate(peers int) error {
	if c.Op != "" {
		c.Op = strings.ToUpper(c.Op)
		if err := oneOf("op", c.Op, clientOps); err != nil {
			return err
		}
	}
	if c.Outcome != "" {
		if err := oneOf("outcome", c.Outcome, outcomes); err != nil {
			return err
		}
	}
	if err := validRef("peer", c.Peer, peers, refsClient); err != nil {
		return err
	}
	if c.Count < 0 || c.Count > 10_000 {
		return fmt.Errorf("count must be 1 to 10000, got %d", c.Count)
	}
	return nil
}

func (c *ViolationCheck) validate() error {
	if c.Invariant == "" {
		return errors.New("needs \"invariant\": an invariant name such as \"election-safety\", or \"any\"")
	}
	if err := oneOf("invariant", c.Invariant, invariants); err != nil {
		return err
	}
	if c.Count < 0 || c.Count > 10_000 {
		return fmt.Errorf("count must be 1 to 10000, got %d", c.Count)
	}
	return nil
}

// Parts returns the parts the page lists one by one: the checks of a top-level "all",
// or the check itself.
func (c *Check) Parts() []*Check {
	if len(c.All) > 0 && c.Label == "" {
		return c.All
	}
	return []*Check{c}
}
