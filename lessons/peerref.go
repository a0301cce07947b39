package lessons

import (
	"encoding/json"
	"fmt"
	"strconv"
)

// PeerRef names the peer or peers a check looks at: a peer id, or one of the names
// "any" (at least one peer), "all" (every peer, down ones included), "up" (every peer
// that is up), "leader" (the leader now) and "step_leader" (the leader when the step
// began). Each check says which of these it accepts.
type PeerRef struct {
	ID   uint64 // a peer id; 0 when Name is set
	Name string // any, all, up, leader or step_leader; empty when ID is set
}

// The names a PeerRef can hold.
const (
	RefAny        = "any"
	RefAll        = "all"
	RefUp         = "up"
	RefLeader     = "leader"
	RefStepLeader = "step_leader"
)

// refKinds are the sets of names a check field accepts (besides peer ids).
var (
	refsMany   = []string{RefAny, RefAll, RefUp, RefLeader, RefStepLeader}
	refsOne    = []string{RefLeader, RefStepLeader}
	refsEvent  = []string{RefAny, RefStepLeader}
	refsStep   = []string{RefStepLeader}
	refsClient = []string{RefAny, RefLeader, RefStepLeader}
)

// UnmarshalJSON reads a peer id (a number) or a name (a string).
func (r *PeerRef) UnmarshalJSON(b []byte) error {
	var id uint64
	if err := json.Unmarshal(b, &id); err == nil {
		*r = PeerRef{ID: id}
		return nil
	}
	var name string
	if err := json.Unmarshal(b, &name); err != nil {
		return fmt.Errorf("a peer must be an id (a number) or a name such as \"leader\", got %s", clip(string(b)))
	}
	*r = PeerRef{Name: name}
	return nil
}

// MarshalJSON writes the id as a number or the name as a string.
func (r PeerRef) MarshalJSON() ([]byte, error) {
	if r.Name != "" {
		return json.Marshal(r.Name)
	}
	return json.Marshal(r.ID)
}

// String returns the id or the name.
func (r PeerRef) String() string {
	if r.Name != "" {
		return r.Name
	}
	return strconv.FormatUint(r.ID, 10)
}

// describe says which peers, for check descriptions: "peer 2", "every peer", ...
func (r PeerRef) describe() string {
	switch r.Name {
	case "":
		return "peer " + strconv.FormatUint(r.ID, 10)
	case RefAny:
		return "some peer"
	case RefAll:
		return "every peer"
	case RefUp:
		return "every peer that is up"
	case RefLeader:
		return "the leader"
	case RefStepLeader:
		return "the step's first leader"
	}
	return r.Name
}

// validate checks that the ref is a peer of the cluster or one of the allowed names.
func (r PeerRef) validate(peers int, allowed []string) error {
	if r.Name == "" {
		if r.ID < 1 || r.ID > uint64(peers) {
			return fmt.Errorf("peer %d is not in the cluster (peers are 1..%d)", r.ID, peers)
		}
		return nil
	}
	for _, a := range allowed {
		if r.Name == a {
			return nil
		}
	}
	return fmt.Errorf("%q is not accepted here (want a peer id or one of %s)", r.Name, quoteList(allowed))
}

// single reports whether the ref names at most one peer.
func (r PeerRef) single() bool {
	return r.Name == "" || r.Name == RefLeader || r.Name == RefStepLeader
}

func quoteList(names []string) string {
	out := ""
	for i, n := range names {
		if i > 0 {
			out += ", "
		}
		out += strconv.Quote(n)
	}
	return out
}

// clip shortens a fragment of input for an error message.
func clip(s string) string {
	const limit = 60
	if len(s) > limit {
		return s[:limit] + "..."
	}
	return s
}
