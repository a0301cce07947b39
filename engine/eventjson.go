package engine

// EventJSON is the one JSON form of an Event: the simulator's trace (sim.TraceEvent)
// and a native node's GET /events (node.Event) both embed it. Kinds, reasons and roles
// are written by name; fields that do not apply are left out; Text is Describe's
// sentence.
type EventJSON struct {
	Kind       string `json:"kind"` // EventKind.String, such as "vote-granted"
	Peer       uint64 `json:"peer,omitempty"`
	Term       uint64 `json:"term,omitempty"`
	From       uint64 `json:"from,omitempty"`
	Index      uint64 `json:"index,omitempty"`
	LogTerm    uint64 `json:"log_term,omitempty"`
	LocalIndex uint64 `json:"local_index,omitempty"`
	LocalTerm  uint64 `json:"local_term,omitempty"`
	Reason     string `json:"reason,omitempty"` // for vote-refused
	Role       string `json:"role,omitempty"`   // the new role (role), or the one left (stepped-down)
	PreVote    bool   `json:"pre_vote,omitempty"`
	Offset     uint64 `json:"offset,omitempty"` // snapshot events: the size, or a refused chunk's start
	// Voters, Learners and Outgoing are the configuration of a configuration event
	// (Event.Conf); Outgoing only while joint.
	Voters   []uint64 `json:"voters,omitempty"`
	Learners []uint64 `json:"learners,omitempty"`
	Outgoing []uint64 `json:"outgoing,omitempty"`
	Text     string   `json:"text"`
}

// JSON is the event's JSON form, its sentence naming peers with name (see Describe).
func (e Event) JSON(name func(id uint64) string) EventJSON {
	j := EventJSON{Kind: e.Kind.String(), Peer: e.Peer, Term: e.Term, From: e.From, Index: e.Index,
		LogTerm: e.LogTerm, LocalIndex: e.LocalIndex, LocalTerm: e.LocalTerm, PreVote: e.PreVote,
		Offset: e.Offset, Voters: e.Conf.Voters, Learners: e.Conf.Learners, Outgoing: e.Conf.VotersOutgoing,
		Text: e.Describe(name)}
	if e.Reason != ReasonNone {
		j.Reason = e.Reason.String()
	}
	if e.Kind == EventRoleChanged || e.Kind == EventSteppedDown {
		j.Role = e.Role.String()
	}
	return j
}
