package lessons

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/kv"
	"github.com/raftplay/raftplay/sim"
)

// MaxWait is the longest wait one move may ask for, in ticks.
const MaxWait = 100_000

// Move is one thing done to the cluster: a simulator action, or a wait of some ticks.
// Lesson files write moves as short text ("crash 2", "partition 1 | 2 3", "wait 30"),
// the same text the learner types in `raftplay lesson run`.
type Move struct {
	// Text is the move as written, normalized ("partition 1 | 2 3").
	Text string `json:"text"`
	// Action is the simulator action; nil for a wait.
	Action *sim.Action `json:"action,omitempty"`
	// ToLeader says the action is aimed at whichever peer leads when the move is made
	// ("client leader SET x 1"); Action.Peer is 0 until then.
	ToLeader bool `json:"to_leader,omitempty"`
	// Wait is the number of ticks to let pass; 0 for an action.
	Wait int `json:"wait,omitempty"`
	// Pick, for a drop, duplicate or delay written with a message type and a link
	// ("duplicate AppendEntries 1 2"), chooses the message when the move is made: the
	// newest one of that type in flight on that link. Message ids differ from run to
	// run; a type and a link do not, so lessons can use these.
	Pick *MessagePick `json:"pick,omitempty"`
}

// MessagePick names a message in flight by its type and its link.
type MessagePick struct {
	Type string `json:"type"` // "AppendEntries", "AppendEntriesResp", ...
	From uint64 `json:"from"`
	To   uint64 `json:"to"`
}

// PickIn returns the id of the message the pick names among those in flight: the
// newest of its type on its link.
func (p *MessagePick) PickIn(inFlight []sim.MessageInfo) (uint64, error) {
	var id uint64
	for _, m := range inFlight {
		if m.Type == p.Type && m.From == p.From && m.To == p.To && m.ID > id {
			id = m.ID
		}
	}
	if id == 0 {
		return 0, fmt.Errorf("lessons: no %s from %d to %d is in flight now", p.Type, p.From, p.To)
	}
	return id, nil
}

// ErrNoLeader is returned when a move aimed at the leader is made while there is none.
var ErrNoLeader = errors.New("lessons: there is no leader to aim the move at")

// Resolve returns the move's action aimed at a peer: the leader given, for a move
// aimed at the leader.
func (m Move) Resolve(leader uint64) (sim.Action, error) {
	if m.Action == nil {
		return sim.Action{}, errors.New("lessons: a wait has no action")
	}
	a := *m.Action
	if m.ToLeader {
		if leader == 0 {
			return sim.Action{}, ErrNoLeader
		}
		a.Peer = leader
	}
	return a, nil
}

// IsWait reports whether the move only lets time pass.
//
// A move with a Pick is resolved by the Runner, which sees the messages in flight.
func (m Move) IsWait() bool { return m.Action == nil }

// String returns the move's text form.
func (m Move) String() string { return m.Text }

// MoveSyntax lists the text forms ParseMove reads, one per line, for help texts.
const MoveSyntax = `P is a peer id, or "leader" for crash, client and read
crash P            crash peer P (kill -9: unsynced writes are lost)
restart P          restart peer P from its storage
timeout P          force peer P's election timeout now
partition A | B    cut every link between the groups (ids by spaces or commas)
block F T          cut the one-way link from peer F to peer T
heal               restore every link
client P CMD       submit a command to peer P: SET k v, GET k, DEL k, CAS k old new
client P CMD session C S
                   the same, as request S of client C: applied once however often sent
read P KEY         a linearizable read of KEY at peer P (ReadIndex)
snapshot P         peer P snapshots its state machine and compacts its log (§7)
add-learner P      the leader adds server P as a learner: it catches up, no vote (§6)
promote P          the leader makes learner P a voter, through C_old,new (§6)
remove P           the leader removes server P, through C_old,new (§6)
reconfigure V... [| L...]
                   the leader changes to voters V (and learners L) at once
drop M             lose message M in flight
duplicate M        deliver message M twice
delay M MS         deliver message M MS milliseconds later
drop TYPE F T      (and duplicate, delay ... MS) the newest message of TYPE in
                   flight from F to T, such as: duplicate AppendEntries 1 2
latency MIN MAX    set every message's one-way delay to MIN..MAX ms
wait N             let N ticks pass`

// ParseMove reads one move in its text form for a cluster of the given number of
// peers. The error says what is wrong with the text.
func ParseMove(text string, peers int) (Move, error) {
	fields := strings.Fields(text)
	if len(fields) == 0 {
		return Move{}, errors.New("empty move")
	}
	verb := strings.ToLower(fields[0])
	args := fields[1:]
	var a sim.Action
	var err error
	toLeader := false
	if len(args) > 0 && strings.EqualFold(args[0], "leader") {
		switch verb {
		case "crash", "client", "read":
			// Validate the move as if aimed at peer 1; the peer is chosen when it is made.
			toLeader = true
			args = append([]string{"1"}, args[1:]...)
		default:
			return Move{}, fmt.Errorf("%s cannot be aimed at \"leader\" (only crash, client and read can)", verb)
		}
	}
	switch verb {
	case "wait", "ticks":
		return parseWait(args)
	case "crash", "restart", "timeout", "snapshot", "add-learner", "promote", "remove":
		a.Type = sim.ActionType(verb)
		a.Peer, err = onePeer(verb, args, peers)
	case "reconfigure":
		a.Type = sim.ActReconfigure
		a.Voters, a.Learners, err = parseConf(strings.Join(args, " "), peers)
	case "heal":
		a.Type = sim.ActHeal
		if len(args) != 0 {
			err = errors.New("heal takes no arguments")
		}
	case "partition":
		a.Type = sim.ActPartition
		a.Groups, err = parseGroups(strings.Join(args, " "), peers)
	case "block":
		a.Type = sim.ActBlock
		a.From, a.To, err = parseLink(args, peers)
	case "client":
		a.Type = sim.ActClient
		a.Peer, a.Cmd, a.Client, a.Seq, err = parseClient(args, peers)
	case "read":
		a.Type = sim.ActRead
		if len(args) != 2 {
			err = errors.New("read needs a peer and a key: read P KEY")
			break
		}
		a.Key = args[1]
		a.Peer, err = onePeer(verb, args[:1], peers)
	case "drop", "duplicate", "delay":
		a.Type = sim.ActionType(verb)
		if len(args) >= 3 && !isDigits(args[0]) {
			return parsePickMove(a.Type, args, peers)
		}
		err = parseMessageMove(&a, args)
	case "latency":
		a.Type = sim.ActNetwork
		a.Latency, err = parseLatency(args)
	default:
		return Move{}, fmt.Errorf("unknown move %q (want crash, restart, timeout, snapshot, add-learner, promote, remove, reconfigure, partition, block, heal, client, read, drop, duplicate, delay, latency or wait)", fields[0])
	}
	if err != nil {
		return Move{}, err
	}
	if err := validateAction(a, peers); err != nil {
		return Move{}, err
	}
	norm := FormatAction(a)
	if toLeader {
		// FormatAction wrote "client 1 SET x 1": put the leader in place of peer 1.
		norm = string(a.Type) + " leader" + strings.TrimPrefix(norm, string(a.Type)+" 1")
		a.Peer = 0
	}
	return Move{Text: norm, Action: &a, ToLeader: toLeader}, nil
}

func parseWait(args []string) (Move, error) {
	if len(args) != 1 {
		return Move{}, errors.New("wait needs a number of ticks: wait N")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil || n < 1 || n > MaxWait {
		return Move{}, fmt.Errorf("wait %q: ticks must be a number from 1 to %d", args[0], MaxWait)
	}
	return Move{Text: "wait " + strconv.Itoa(n), Wait: n}, nil
}

func parsePeer(s string, peers int) (uint64, error) {
	id, err := strconv.ParseUint(s, 10, 64)
	if err != nil || id < 1 || id > uint64(peers) {
		return 0, fmt.Errorf("%q is not a peer (peers are 1..%d)", s, peers)
	}
	return id, nil
}

func onePeer(verb string, args []string, peers int) (uint64, error) {
	if len(args) != 1 {
		return 0, fmt.Errorf("%s needs one peer: %s P", verb, verb)
	}
	return parsePeer(args[0], peers)
}

// parseGroups reads "1 | 2 3" or "1|2,3".
func parseGroups(s string, peers int) ([][]uint64, error) {
	parts := strings.Split(s, "|")
	if len(parts) < 2 {
		return nil, errors.New("partition needs at least two groups separated by '|': partition 1 | 2 3")
	}
	groups := make([][]uint64, 0, len(parts))
	seen := make(map[uint64]bool)
	for i, part := range parts {
		ids := strings.FieldsFunc(part, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' })
		if len(ids) == 0 {
			return nil, fmt.Errorf("partition: group %d is empty", i+1)
		}
		var g []uint64
		for _, s := range ids {
			id, err := parsePeer(s, peers)
			if err != nil {
				return nil, fmt.Errorf("partition: %w", err)
			}
			if seen[id] {
				return nil, fmt.Errorf("partition: peer %d is in two groups", id)
			}
			seen[id] = true
			g = append(g, id)
		}
		groups = append(groups, g)
	}
	return groups, nil
}

// parseConf reads the configuration of a reconfigure move: "1 2 3 4 5" (the voters)
// or "1 2 3 | 4" (the voters, then the learners).
func parseConf(s string, peers int) (voters, learners []uint64, err error) {
	parts := strings.Split(s, "|")
	if len(parts) > 2 {
		return nil, nil, errors.New("reconfigure takes the voters, then at most one '|' and the learners: reconfigure 1 2 3 | 4")
	}
	read := func(part, what string) ([]uint64, error) {
		var ids []uint64
		for _, f := range strings.FieldsFunc(part, func(r rune) bool { return r == ',' || r == ' ' || r == '\t' }) {
			id, err := parsePeer(f, peers)
			if err != nil {
				return nil, fmt.Errorf("reconfigure: %s: %w", what, err)
			}
			ids = append(ids, id)
		}
		if len(ids) == 0 {
			return nil, fmt.Errorf("reconfigure: no %s given: reconfigure 1 2 3 | 4", what)
		}
		return ids, nil
	}
	if voters, err = read(parts[0], "voters"); err != nil {
		return nil, nil, err
	}
	if len(parts) == 2 {
		if learners, err = read(parts[1], "learners"); err != nil {
			return nil, nil, err
		}
	}
	return voters, learners, nil
}

// idList writes peer ids separated by spaces.
func idList(ids []uint64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatUint(id, 10)
	}
	return strings.Join(s, " ")
}

func parseLink(args []string, peers int) (from, to uint64, err error) {
	if len(args) != 2 {
		return 0, 0, errors.New("block needs two peers: block FROM TO")
	}
	if from, err = parsePeer(args[0], peers); err != nil {
		return 0, 0, err
	}
	if to, err = parsePeer(args[1], peers); err != nil {
		return 0, 0, err
	}
	return from, to, nil
}

// parseClient reads "P CMD" or "P CMD session C S".
func parseClient(args []string, peers int) (peer uint64, cmd string, client, seq uint64, err error) {
	if len(args) < 2 {
		return 0, "", 0, 0, errors.New("client needs a peer and a command: client P SET k v")
	}
	if peer, err = parsePeer(args[0], peers); err != nil {
		return 0, "", 0, 0, err
	}
	words := args[1:]
	c, err := kv.ParseText(strings.Join(words, " "))
	if n := len(words); err != nil && n >= 4 && strings.EqualFold(words[n-3], "session") {
		// Not a command as it stands: maybe a command with a session after it.
		if c, err = kv.ParseText(strings.Join(words[:n-3], " ")); err != nil {
			return 0, "", 0, 0, err
		}
		client, cerr := strconv.ParseUint(words[n-2], 10, 64)
		seq, serr := strconv.ParseUint(words[n-1], 10, 64)
		if cerr != nil || serr != nil || client == 0 || seq == 0 {
			return 0, "", 0, 0, fmt.Errorf("session %q %q: the client id and the request number are numbers from 1: client P SET k v session C S", words[n-2], words[n-1])
		}
		return peer, c.Text(), client, seq, nil
	}
	if err != nil {
		return 0, "", 0, 0, err
	}
	return peer, c.Text(), 0, 0, nil
}

func isDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// parsePickMove reads "duplicate AppendEntries 1 2" or "delay AppendEntriesResp 2 1 300".
func parsePickMove(typ sim.ActionType, args []string, peers int) (Move, error) {
	want := 3
	if typ == sim.ActDelay {
		want = 4
	}
	if len(args) != want {
		return Move{}, fmt.Errorf("%s TYPE F T%s: give a message type, the two peers of the link%s", typ,
			map[bool]string{true: " MS", false: ""}[want == 4], map[bool]string{true: " and milliseconds", false: ""}[want == 4])
	}
	pick := &MessagePick{}
	for _, t := range messageTypes { // the types an event check may name (check.go)
		if strings.EqualFold(args[0], t) {
			pick.Type = t
		}
	}
	if pick.Type == "" {
		return Move{}, fmt.Errorf("%q is not a message type (want %s)", args[0], strings.Join(messageTypes, ", "))
	}
	var err error
	if pick.From, pick.To, err = parseLink(args[1:3], peers); err != nil {
		return Move{}, err
	}
	if pick.From == pick.To {
		return Move{}, fmt.Errorf("a message goes between two peers, not from %d to itself", pick.From)
	}
	a := sim.Action{Type: typ}
	text := fmt.Sprintf("%s %s %d %d", typ, pick.Type, pick.From, pick.To)
	if typ == sim.ActDelay {
		by, err := strconv.ParseInt(args[3], 10, 64)
		if err != nil || by < 1 || by > sim.MaxDelay {
			return Move{}, fmt.Errorf("delay %q: milliseconds must be 1 to %d", args[3], sim.MaxDelay)
		}
		a.By = by
		text += " " + strconv.FormatInt(by, 10)
	}
	return Move{Text: text, Action: &a, Pick: pick}, nil
}

// parseLatency reads "MIN MAX" (ms).
func parseLatency(args []string) ([]int64, error) {
	if len(args) != 2 {
		return nil, errors.New("latency needs the least and the most one-way delay in ms: latency MIN MAX")
	}
	lo, err1 := strconv.ParseInt(args[0], 10, 64)
	hi, err2 := strconv.ParseInt(args[1], 10, 64)
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("latency %q %q: give two numbers of milliseconds", args[0], args[1])
	}
	return []int64{lo, hi}, nil
}

func parseMessageMove(a *sim.Action, args []string) error {
	want := 1
	if a.Type == sim.ActDelay {
		want = 2
	}
	if len(args) != want {
		if want == 2 {
			return errors.New("delay needs a message id and milliseconds: delay M MS")
		}
		return fmt.Errorf("%s needs a message id: %s M", a.Type, a.Type)
	}
	id, err := strconv.ParseUint(args[0], 10, 64)
	if err != nil || id == 0 {
		return fmt.Errorf("%q is not a message id", args[0])
	}
	a.Msg = id
	if want == 2 {
		by, err := strconv.ParseInt(args[1], 10, 64)
		if err != nil || by < 1 || by > sim.MaxDelay {
			return fmt.Errorf("delay %q: milliseconds must be 1 to %d", args[1], sim.MaxDelay)
		}
		a.By = by
	}
	return nil
}

// validateAction lets the simulator's own validation judge the action's fields: it
// validates a one-action scenario in which the peer is in the state the action needs.
func validateAction(a sim.Action, peers int) error {
	sc := sim.NewScenario(1)
	sc.Options.Peers = peers
	if a.Type == sim.ActRestart {
		sc.Start.Down = []uint64{a.Peer}
	}
	switch a.Type {
	case sim.ActDrop, sim.ActDuplicate, sim.ActDelay:
		// Whether the message is in flight is only known when the move is made.
		return nil
	}
	sc.Actions = []sim.Action{a}
	return sc.Validate()
}

// FormatAction writes an action in the text form ParseMove reads.
func FormatAction(a sim.Action) string {
	switch a.Type {
	case sim.ActCrash, sim.ActRestart, sim.ActTimeout, sim.ActSnapshot, sim.ActAddLearner, sim.ActPromote, sim.ActRemove:
		return fmt.Sprintf("%s %d", a.Type, a.Peer)
	case sim.ActPartition:
		groups := make([]string, len(a.Groups))
		for i, g := range a.Groups {
			groups[i] = idList(g)
		}
		return "partition " + strings.Join(groups, " | ")
	case sim.ActReconfigure:
		if len(a.Learners) > 0 {
			return "reconfigure " + idList(a.Voters) + " | " + idList(a.Learners)
		}
		return "reconfigure " + idList(a.Voters)
	case sim.ActBlock:
		return fmt.Sprintf("block %d %d", a.From, a.To)
	case sim.ActClient:
		if a.Client != 0 {
			return fmt.Sprintf("client %d %s session %d %d", a.Peer, a.Cmd, a.Client, a.Seq)
		}
		return fmt.Sprintf("client %d %s", a.Peer, a.Cmd)
	case sim.ActNetwork:
		if a.Latency != nil && a.Drop == nil && a.Duplicate == nil {
			return fmt.Sprintf("latency %d %d", a.Latency[0], a.Latency[1])
		}
	case sim.ActRead:
		return fmt.Sprintf("read %d %s", a.Peer, a.Key)
	case sim.ActDrop, sim.ActDuplicate:
		return fmt.Sprintf("%s %d", a.Type, a.Msg)
	case sim.ActDelay:
		return fmt.Sprintf("delay %d %d", a.Msg, a.By)
	}
	return string(a.Type)
}

// moveList is the JSON form of a reference path: a list of move texts.
type moveList []string

// parseMoves reads a reference path.
func parseMoves(raw json.RawMessage, peers int) ([]Move, error) {
	var texts moveList
	if err := strictUnmarshal(raw, &texts); err != nil {
		return nil, fmt.Errorf("must be a list of moves such as [\"crash 2\", \"wait 30\"]: %w", err)
	}
	moves := make([]Move, 0, len(texts))
	for i, t := range texts {
		m, err := ParseMove(t, peers)
		if err != nil {
			return nil, fmt.Errorf("move %d (%q): %w", i+1, t, err)
		}
		moves = append(moves, m)
	}
	return moves, nil
}
