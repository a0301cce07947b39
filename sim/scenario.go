package sim

import (
	"errors"
	"fmt"
	"slices"
	"sort"
)

// Version is the scenario format version this package reads and writes.
const Version = 1

// Limits on a scenario from outside.
const (
	// MaxScenarioBytes is the largest scenario ParseScenario reads.
	MaxScenarioBytes = 32 << 20
	// MaxActions is the most actions a scenario may hold.
	MaxActions = 100_000
	// MaxTime is the latest virtual time an action may be scheduled at, in ms (about
	// 11.5 days of virtual time).
	MaxTime int64 = 1_000_000_000
	// MaxPresetLog is the longest preset log of one peer.
	MaxPresetLog = 10_000
	// MaxSeed is the largest seed: seeds must survive a trip through JavaScript, whose
	// numbers hold integers exactly only below 2^53.
	MaxSeed uint64 = 1<<53 - 1
)

// ErrScenario is wrapped by every error about an invalid scenario.
var ErrScenario = errors.New("sim: scenario")

// Scenario is everything that determines a run: the same scenario gives the same run,
// event for event, on every platform. It is the format of share links, saved traces and
// lesson starts:
//
//	{"v":1,"seed":42,"options":{...},"start":{...},"actions":[...]}
type Scenario struct {
	// V is the format version; it must be Version.
	V int `json:"v"`
	// Seed seeds every random choice of the run: latencies, losses, election timeouts,
	// tick phases, client operations. At most MaxSeed.
	Seed uint64 `json:"seed"`
	// Options is the model; fields left out of the JSON keep their DefaultOptions value.
	Options Options `json:"options"`
	// Start optionally presets the peers' durable state.
	Start Start `json:"start,omitzero"`
	// Actions are applied in order, each when the virtual clock reaches its At.
	Actions []Action `json:"actions"`
}

// Start presets the cluster's initial state, so that situations such as the paper's
// Figures 7 and 8 can be set up exactly.
type Start struct {
	// Peers presets the durable state of some peers, by id; the others start empty.
	Peers map[uint64]PeerStart `json:"peers,omitempty"`
	// Down lists the peers that start crashed.
	Down []uint64 `json:"down,omitempty"`
}

// PeerStart is one peer's preset durable state. The log is given as the list of its
// entries' terms; entry i gets the command "SET k<i> <term>".
//
// A preset is taken as history, and the checks hold it to that: an entry of term t was
// written by the leader of term t, so the peers that elected it should record their
// vote (Term t, Vote that leader). Otherwise another peer may win an election in term t
// and write a different entry t at the same index, which Log Matching reports. Likewise
// a commit index is taken as a fact: Leader Completeness then expects every later leader
// to hold the entries below it.
type PeerStart struct {
	Term   uint64   `json:"term"`
	Vote   uint64   `json:"vote"`
	Commit uint64   `json:"commit"`
	Log    []uint64 `json:"log"`
}

// NewScenario returns an empty scenario with the given seed and the default options.
func NewScenario(seed uint64) Scenario {
	return Scenario{V: Version, Seed: seed, Options: DefaultOptions()}
}

// ParseScenario reads a scenario from JSON and validates it. Unknown fields, a version
// other than Version and anything Validate rejects are errors naming the problem.
func ParseScenario(data []byte) (Scenario, error) {
	if len(data) > MaxScenarioBytes {
		return Scenario{}, fmt.Errorf("%w: %d bytes is larger than the limit of %d", ErrScenario, len(data), MaxScenarioBytes)
	}
	sc, err := decodeScenario(data)
	if err != nil {
		return Scenario{}, err
	}
	if err := sc.Validate(); err != nil {
		return Scenario{}, err
	}
	// Empty and absent lists mean the same; keep one form so round trips compare equal.
	if len(sc.Actions) == 0 {
		sc.Actions = nil
	}
	if len(sc.Start.Peers) == 0 {
		sc.Start.Peers = nil
	}
	if len(sc.Start.Down) == 0 {
		sc.Start.Down = nil
	}
	return sc, nil
}

// Marshal encodes the scenario as JSON, with every option spelled out; ParseScenario
// reads it back to an equal scenario.
func (sc Scenario) Marshal() ([]byte, error) {
	if sc.Actions == nil {
		sc.Actions = []Action{}
	}
	b, err := sc.appendJSON(nil)
	if err != nil {
		return nil, fmt.Errorf("sim: marshal scenario: %w", err)
	}
	return b, nil
}

// Clone returns a deep copy of sc.
func (sc Scenario) Clone() Scenario {
	out := sc
	out.Options = sc.Options.clone()
	if sc.Start.Peers != nil {
		out.Start.Peers = make(map[uint64]PeerStart, len(sc.Start.Peers))
		for id, ps := range sc.Start.Peers {
			ps.Log = slices.Clone(ps.Log)
			out.Start.Peers[id] = ps
		}
	}
	out.Start.Down = slices.Clone(sc.Start.Down)
	out.Actions = make([]Action, len(sc.Actions))
	for i, a := range sc.Actions {
		out.Actions[i] = a.clone()
	}
	return out
}

// Validate checks the whole scenario: version, seed, options, start state and every
// action, including that crash, restart and the actions aimed at one peer find it in the
// state they need (up or down). Errors wrap ErrScenario and say which part is wrong,
// such as "sim: scenario: action 3 (crash): peer 7 is not in the cluster" (actions
// count from 0).
func (sc *Scenario) Validate() error {
	if sc.V != Version {
		return fmt.Errorf("%w: unsupported version %d (this build reads version %d)", ErrScenario, sc.V, Version)
	}
	if sc.Seed > MaxSeed {
		return fmt.Errorf("%w: seed %d is above 2^53-1; JavaScript could not hold it exactly", ErrScenario, sc.Seed)
	}
	if err := sc.Options.Validate(); err != nil {
		return fmt.Errorf("%w: options: %w", ErrScenario, err)
	}
	n := sc.Options.Peers
	up, err := sc.Start.validate(n)
	if err != nil {
		return fmt.Errorf("%w: start: %w", ErrScenario, err)
	}
	if len(sc.Actions) > MaxActions {
		return fmt.Errorf("%w: %d actions is more than the limit of %d", ErrScenario, len(sc.Actions), MaxActions)
	}
	var last int64
	for i := range sc.Actions {
		a := &sc.Actions[i]
		if err := a.validate(n); err != nil {
			return fmt.Errorf("%w: action %d (%s): %w", ErrScenario, i, a.Type, err)
		}
		if a.At < last {
			return fmt.Errorf("%w: action %d (%s): at %d is before the previous action's at %d (actions must be in time order)", ErrScenario, i, a.Type, a.At, last)
		}
		last = a.At
		if err := a.checkUpDown(up); err != nil {
			return fmt.Errorf("%w: action %d (%s): %w", ErrScenario, i, a.Type, err)
		}
	}
	return nil
}

// checkSequence checks that every action finds its peer up or down as it needs.
func (sc *Scenario) checkSequence() error {
	up := make([]bool, sc.Options.Peers)
	for i := range up {
		up[i] = true
	}
	for _, id := range sc.Start.Down {
		up[id-1] = false
	}
	for i := range sc.Actions {
		if err := sc.Actions[i].checkUpDown(up); err != nil {
			return fmt.Errorf("action %d (%s): %w", i, sc.Actions[i].Type, err)
		}
	}
	return nil
}

// validate checks the preset and returns which peers are up at the start (index id-1).
func (st *Start) validate(n int) ([]bool, error) {
	up := make([]bool, n)
	for i := range up {
		up[i] = true
	}
	for _, id := range st.Down {
		if id < 1 || id > uint64(n) {
			return nil, fmt.Errorf("down: peer %d is not in the cluster (peers are 1..%d)", id, n)
		}
		if !up[id-1] {
			return nil, fmt.Errorf("down: peer %d is listed twice", id)
		}
		up[id-1] = false
	}
	ids := make([]uint64, 0, len(st.Peers))
	for id := range st.Peers {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] }) // not slices.Sort: see InFlight
	for _, id := range ids {
		if id < 1 || id > uint64(n) {
			return nil, fmt.Errorf("peers: peer %d is not in the cluster (peers are 1..%d)", id, n)
		}
		ps := st.Peers[id]
		if err := ps.validate(n); err != nil {
			return nil, fmt.Errorf("peer %d: %w", id, err)
		}
	}
	if err := st.checkAgreement(ids); err != nil {
		return nil, err
	}
	return up, nil
}

func (ps *PeerStart) validate(n int) error {
	if len(ps.Log) > MaxPresetLog {
		return fmt.Errorf("log of %d entries is longer than the limit of %d", len(ps.Log), MaxPresetLog)
	}
	var prev uint64
	for i, t := range ps.Log {
		if t == 0 {
			return fmt.Errorf("log entry %d has term 0; terms start at 1", i+1)
		}
		if t < prev {
			return fmt.Errorf("log entry %d has term %d, below the term %d before it (terms never decrease along a log)", i+1, t, prev)
		}
		prev = t
	}
	switch {
	case ps.Term < prev:
		return fmt.Errorf("term %d is below the term %d of its last log entry", ps.Term, prev)
	case ps.Commit > uint64(len(ps.Log)):
		return fmt.Errorf("commit %d is beyond its last log index %d", ps.Commit, len(ps.Log))
	case ps.Vote > uint64(n):
		return fmt.Errorf("vote for peer %d, which is not in the cluster (peers are 1..%d)", ps.Vote, n)
	case ps.Vote != 0 && ps.Term == 0:
		return errors.New("a vote needs a term above 0")
	}
	return nil
}

// checkAgreement rejects presets that could never have happened in a correct run: two
// logs with an entry of the same index and term but different entries before it (Log
// Matching), or committed prefixes that disagree.
func (st *Start) checkAgreement(ids []uint64) error {
	type origin struct{ prevTerm, peer uint64 }
	seen := make(map[[2]uint64]origin)
	var ref []uint64 // the log with the highest commit index
	var refPeer, refCommit uint64
	for _, id := range ids {
		ps := st.Peers[id]
		for i, t := range ps.Log {
			var prev uint64
			if i > 0 {
				prev = ps.Log[i-1]
			}
			key := [2]uint64{uint64(i + 1), t}
			if o, ok := seen[key]; ok && o.prevTerm != prev {
				return fmt.Errorf("peer %d's entry %d@%d follows a term-%d entry but peer %d's follows a term-%d entry (Log Matching: same index and term means same log before it)",
					id, i+1, t, prev, o.peer, o.prevTerm)
			} else if !ok {
				seen[key] = origin{prev, id}
			}
		}
		if ps.Commit > refCommit {
			ref, refPeer, refCommit = ps.Log, id, ps.Commit
		}
	}
	for _, id := range ids {
		ps := st.Peers[id]
		if c := ps.Commit; c > 0 && ps.Log[c-1] != ref[c-1] {
			return fmt.Errorf("peer %d committed entry %d@%d but peer %d committed %d@%d at that index",
				id, c, ps.Log[c-1], refPeer, c, ref[c-1])
		}
	}
	return nil
}
