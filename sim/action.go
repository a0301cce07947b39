package sim

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/raftplay/raftplay/kv"
)

// ActionType names what an action does.
type ActionType string

// The action types and the fields each one uses.
const (
	ActCrash     ActionType = "crash"     // peer: crash it (unsynced writes are lost)
	ActRestart   ActionType = "restart"   // peer: restart it from its storage
	ActPartition ActionType = "partition" // groups: cut every link between different groups
	ActBlock     ActionType = "block"     // from, to: cut the one-way link from -> to
	ActHeal      ActionType = "heal"      // (none): restore every link
	ActDrop      ActionType = "drop"      // msg: lose a message in flight
	ActDuplicate ActionType = "duplicate" // msg: deliver a message in flight twice
	ActDelay     ActionType = "delay"     // msg, by: deliver a message in flight later
	ActClient    ActionType = "client"    // peer, cmd (client, seq): submit a command ("SET x 3") to a peer
	ActTimeout   ActionType = "timeout"   // peer: make its election timeout fire now
	ActNetwork   ActionType = "network"   // drop, duplicate, latency: change the network model
	ActRead      ActionType = "read"      // peer, key: a linearizable read through ReadIndex
	ActSnapshot  ActionType = "snapshot"  // peer: snapshot its state machine now and compact its log (§7)
	// Membership changes (§6), proposed by the leader of the highest term that is up.
	ActAddLearner  ActionType = "add-learner" // peer: add it as a learner (it catches up, then promote)
	ActPromote     ActionType = "promote"     // peer: make the learner a voter (through the joint configuration)
	ActRemove      ActionType = "remove"      // peer: remove the voter or learner (through the joint configuration)
	ActReconfigure ActionType = "reconfigure" // voters, learners: change to this configuration (directly with unsafe.direct_config_change: Figure 10)
)

// MaxDelay bounds the extra delay of a delay action, in ms.
const MaxDelay = 600_000

// Action is one step of a scenario: at virtual time At (ms), do Type. Only the fields
// the type uses may be set. An action at time t is applied after every other event at
// times up to t, so a run recorded with Cluster.Act replays identically.
type Action struct {
	At   int64      `json:"at"`
	Type ActionType `json:"type"`
	// Peer is the peer a crash, restart, client, timeout or read is aimed at.
	Peer uint64 `json:"peer,omitempty"`
	// From and To name the one-way link of a block.
	From uint64 `json:"from,omitempty"`
	To   uint64 `json:"to,omitempty"`
	// Groups are the sides of a partition; a peer in no group is cut off alone.
	Groups [][]uint64 `json:"groups,omitempty"`
	// Msg is the simulator's id of a message in flight (see Cluster.InFlight).
	Msg uint64 `json:"msg,omitempty"`
	// By is how much later (ms) a delayed message arrives.
	By int64 `json:"by,omitempty"`
	// Cmd is a client command in the kv text form: SET k v, GET k, DEL k, CAS k old new.
	Cmd string `json:"cmd,omitempty"`
	// Client and Seq, both set or both left out, send a write with a client session
	// (§8 of the paper, dissertation §6.3): the state machine applies a command of the
	// same client and seq once and answers a retry with the first result. Without them
	// a command has no session and is applied every time it is committed. Use a
	// client id above Options.Clients, whose ids the simulated clients use.
	Client uint64 `json:"client,omitempty"`
	Seq    uint64 `json:"seq,omitempty"`
	// Key is the key a read asks for.
	Key string `json:"key,omitempty"`
	// Drop, Duplicate and Latency are the new network model; those left out keep their
	// value.
	Drop      *float64 `json:"drop,omitempty"`
	Duplicate *float64 `json:"duplicate,omitempty"`
	Latency   []int64  `json:"latency,omitempty"`
	// Voters and Learners are the configuration a reconfigure action asks for.
	Voters   []uint64 `json:"voters,omitempty"`
	Learners []uint64 `json:"learners,omitempty"`
}

// field bits, for checking which fields an action type allows.
type fieldSet uint16

const (
	fPeer fieldSet = 1 << iota
	fFrom
	fTo
	fGroups
	fMsg
	fBy
	fCmd
	fKey
	fDrop
	fDuplicate
	fLatency
	fClient
	fSeq
	fVoters
	fLearners
)

var fieldNames = [...]string{"peer", "from", "to", "groups", "msg", "by", "cmd", "key", "drop", "duplicate", "latency", "client", "seq", "voters", "learners"}

// actionFields lists, per type, the fields that must be set and those that may be.
var actionFields = map[ActionType]struct{ required, optional fieldSet }{
	ActCrash:     {required: fPeer},
	ActRestart:   {required: fPeer},
	ActPartition: {required: fGroups},
	ActBlock:     {required: fFrom | fTo},
	ActHeal:      {},
	ActDrop:      {required: fMsg},
	ActDuplicate: {required: fMsg},
	ActDelay:     {required: fMsg | fBy},
	ActClient:    {required: fPeer | fCmd, optional: fClient | fSeq},
	ActTimeout:   {required: fPeer},
	ActNetwork:   {optional: fDrop | fDuplicate | fLatency},
	ActRead:      {required: fPeer | fKey},
	ActSnapshot:  {required: fPeer},

	ActAddLearner:  {required: fPeer},
	ActPromote:     {required: fPeer},
	ActRemove:      {required: fPeer},
	ActReconfigure: {required: fVoters, optional: fLearners},
}

func (a *Action) present() fieldSet {
	var s fieldSet
	set := func(f fieldSet, ok bool) {
		if ok {
			s |= f
		}
	}
	set(fPeer, a.Peer != 0)
	set(fFrom, a.From != 0)
	set(fTo, a.To != 0)
	set(fGroups, a.Groups != nil)
	set(fMsg, a.Msg != 0)
	set(fBy, a.By != 0)
	set(fCmd, a.Cmd != "")
	set(fKey, a.Key != "")
	set(fDrop, a.Drop != nil)
	set(fDuplicate, a.Duplicate != nil)
	set(fLatency, a.Latency != nil)
	set(fClient, a.Client != 0)
	set(fSeq, a.Seq != 0)
	set(fVoters, a.Voters != nil)
	set(fLearners, a.Learners != nil)
	return s
}

// validate checks the action on its own, for a cluster of n peers.
func (a *Action) validate(n int) error {
	if a.At < 0 || a.At > MaxTime {
		return fmt.Errorf("at %d is outside [0, %d] ms", a.At, MaxTime)
	}
	spec, ok := actionFields[a.Type]
	if !ok {
		return fmt.Errorf("unknown type %q (want crash, restart, partition, block, heal, drop, duplicate, delay, client, timeout, network, read, snapshot, add-learner, promote, remove or reconfigure)", a.Type)
	}
	have := a.present()
	for i, name := range fieldNames {
		f := fieldSet(1) << i
		switch {
		case spec.required&f != 0 && have&f == 0:
			return fmt.Errorf("needs field %q", name)
		case (spec.required|spec.optional)&f == 0 && have&f != 0:
			return fmt.Errorf("field %q does not apply to %s", name, a.Type)
		}
	}
	for _, id := range []uint64{a.Peer, a.From, a.To} {
		if id > uint64(n) {
			return fmt.Errorf("peer %d is not in the cluster (peers are 1..%d)", id, n)
		}
	}
	switch a.Type {
	case ActPartition:
		return checkGroups(a.Groups, n)
	case ActBlock:
		if a.From == a.To {
			return fmt.Errorf("from and to are both peer %d", a.From)
		}
	case ActDelay:
		if a.By < 1 || a.By > MaxDelay {
			return fmt.Errorf("by must be 1 to %d ms, got %d", MaxDelay, a.By)
		}
	case ActClient:
		cmd, err := kv.ParseText(a.Cmd)
		if err != nil {
			return err
		}
		switch {
		case (a.Client == 0) != (a.Seq == 0):
			return errors.New("client and seq go together: a session needs both")
		case a.Client != 0 && cmd.Op == kv.OpGet:
			return errors.New("a session is for writes (SET, DEL, CAS); a GET changes nothing to apply twice")
		}
	case ActRead:
		if len(a.Key) > kv.MaxKeyLen || strings.ContainsFunc(a.Key, isSpace) {
			return fmt.Errorf("key %.40q must be a token of at most %d bytes", a.Key, kv.MaxKeyLen)
		}
	case ActNetwork:
		return a.checkNetwork()
	case ActReconfigure:
		return checkConfLists(a.Voters, a.Learners, n)
	}
	return nil
}

// checkConfLists checks the configuration of a reconfigure action: at least one voter,
// ids of the cluster, none listed twice.
func checkConfLists(voters, learners []uint64, n int) error {
	if len(voters) == 0 {
		return errors.New("voters is empty: a configuration needs a voter")
	}
	seen := make([]bool, n+1)
	for _, id := range append(slices.Clone(voters), learners...) {
		if id < 1 || id > uint64(n) {
			return fmt.Errorf("peer %d is not in the cluster (peers are 1..%d)", id, n)
		}
		if seen[id] {
			return fmt.Errorf("peer %d is listed twice", id)
		}
		seen[id] = true
	}
	return nil
}

func isSpace(r rune) bool { return r == ' ' || r == '\t' || r == '\n' || r == '\r' }

func checkGroups(groups [][]uint64, n int) error {
	if len(groups) == 0 {
		return errors.New("groups is empty")
	}
	seen := make([]bool, n+1)
	for gi, g := range groups {
		if len(g) == 0 {
			return fmt.Errorf("group %d is empty", gi)
		}
		for _, id := range g {
			if id < 1 || id > uint64(n) {
				return fmt.Errorf("peer %d is not in the cluster (peers are 1..%d)", id, n)
			}
			if seen[id] {
				return fmt.Errorf("peer %d is in more than one group", id)
			}
			seen[id] = true
		}
	}
	return nil
}

func (a *Action) checkNetwork() error {
	if a.Drop == nil && a.Duplicate == nil && a.Latency == nil {
		return errors.New("needs at least one of drop, duplicate, latency")
	}
	if a.Drop != nil {
		if err := checkProbability("drop", *a.Drop); err != nil {
			return err
		}
	}
	if a.Duplicate != nil {
		if err := checkProbability("duplicate", *a.Duplicate); err != nil {
			return err
		}
	}
	if a.Latency != nil {
		return checkRange("latency", a.Latency, MaxLatency)
	}
	return nil
}

// checkUpDown checks that the peer the action aims at is up or down as needed, and
// updates up for crash and restart.
func (a *Action) checkUpDown(up []bool) error {
	switch a.Type {
	case ActCrash:
		if !up[a.Peer-1] {
			return fmt.Errorf("peer %d is already down", a.Peer)
		}
		up[a.Peer-1] = false
	case ActRestart:
		if up[a.Peer-1] {
			return fmt.Errorf("peer %d is not down", a.Peer)
		}
		up[a.Peer-1] = true
	case ActClient, ActTimeout, ActRead, ActSnapshot:
		if !up[a.Peer-1] {
			return fmt.Errorf("peer %d is down", a.Peer)
		}
	}
	return nil
}

// Describe is a short sentence for the trace, such as "partition [1] | [2 3]".
func (a *Action) Describe() string {
	switch a.Type {
	case ActCrash, ActRestart, ActTimeout:
		return fmt.Sprintf("%s peer %d", a.Type, a.Peer)
	case ActSnapshot:
		return fmt.Sprintf("take a snapshot on peer %d", a.Peer)
	case ActAddLearner:
		return fmt.Sprintf("add peer %d as a learner", a.Peer)
	case ActPromote:
		return fmt.Sprintf("promote learner %d to voter", a.Peer)
	case ActRemove:
		return fmt.Sprintf("remove peer %d", a.Peer)
	case ActReconfigure:
		if len(a.Learners) > 0 {
			return fmt.Sprintf("reconfigure to voters %v, learners %v", a.Voters, a.Learners)
		}
		return fmt.Sprintf("reconfigure to voters %v", a.Voters)
	case ActPartition:
		parts := make([]string, len(a.Groups))
		for i, g := range a.Groups {
			parts[i] = fmt.Sprint(g)
		}
		return "partition " + strings.Join(parts, " | ")
	case ActBlock:
		return fmt.Sprintf("block %d -> %d", a.From, a.To)
	case ActHeal:
		return "heal all links"
	case ActDrop, ActDuplicate:
		return fmt.Sprintf("%s message %d", a.Type, a.Msg)
	case ActDelay:
		return fmt.Sprintf("delay message %d by %d ms", a.Msg, a.By)
	case ActClient:
		if a.Client != 0 {
			return fmt.Sprintf("client command %q to peer %d (client %d, seq %d)", a.Cmd, a.Peer, a.Client, a.Seq)
		}
		return fmt.Sprintf("client command %q to peer %d", a.Cmd, a.Peer)
	case ActRead:
		return fmt.Sprintf("read %q at peer %d", a.Key, a.Peer)
	case ActNetwork:
		var parts []string
		if a.Drop != nil {
			parts = append(parts, fmt.Sprintf("drop=%v", *a.Drop))
		}
		if a.Duplicate != nil {
			parts = append(parts, fmt.Sprintf("duplicate=%v", *a.Duplicate))
		}
		if a.Latency != nil {
			parts = append(parts, fmt.Sprintf("latency=%v", a.Latency))
		}
		return "network " + strings.Join(parts, " ")
	}
	return string(a.Type)
}

func (a Action) clone() Action {
	if a.Groups != nil {
		groups := make([][]uint64, len(a.Groups))
		for i, g := range a.Groups {
			groups[i] = slices.Clone(g)
		}
		a.Groups = groups
	}
	if a.Drop != nil {
		d := *a.Drop
		a.Drop = &d
	}
	if a.Duplicate != nil {
		d := *a.Duplicate
		a.Duplicate = &d
	}
	a.Latency = slices.Clone(a.Latency)
	a.Voters = slices.Clone(a.Voters)
	a.Learners = slices.Clone(a.Learners)
	return a
}
