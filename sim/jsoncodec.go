package sim

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/internal/jsonlite"
)

// The JSON of the formats the page exchanges with the simulator (state snapshots, trace
// events, scenarios, actions), written and read by hand on internal/jsonlite rather
// than by encoding/json, whose reflection is about a tenth of the page's wasm. The
// output is byte for byte json.Marshal's of the same values, and the decoders follow
// json.Unmarshal's rules (jsoncodec_test.go compares both on many values); a field
// added to one of these types must be added here too, which those tests catch.

// AppendJSON appends the snapshot as JSON (the page's state()).
func (s *Snapshot) AppendJSON(b []byte) ([]byte, error) {
	e := jsonlite.NewEncoder(b)
	e.Object()
	e.IntField("time", s.Time)
	e.IntField("steps", s.Steps)
	e.UintField("leader", s.Leader)
	e.Key("peers")
	writeList(e, s.Peers, writePeerState)
	e.Key("blocked")
	writeList(e, s.Blocked, func(e *jsonlite.Encoder, l *Link) {
		e.Object()
		e.UintField("from", l.From)
		e.UintField("to", l.To)
		e.EndObject()
	})
	e.Key("network")
	e.Object()
	e.Key("latency")
	e.Array()
	e.Int(s.Network.Latency[0])
	e.Int(s.Network.Latency[1])
	e.EndArray()
	e.FloatField("drop", s.Network.Drop)
	e.FloatField("duplicate", s.Network.Duplicate)
	e.EndObject()
	e.Key("messages")
	writeList(e, s.Messages, writeMessageInfo)
	e.Key("violations")
	writeList(e, s.Violations, func(e *jsonlite.Encoder, v *Violation) {
		e.Object()
		e.IntField("time", v.Time)
		e.StringField("invariant", v.Invariant)
		e.OptUint("peer", v.Peer)
		e.StringField("description", v.Description)
		e.EndObject()
	})
	e.BoolField("stopped", s.Stopped)
	e.EndObject()
	return e.Bytes()
}

// writeList writes a list with one function per element; nil is null, as
// encoding/json writes a nil slice.
func writeList[T any](e *jsonlite.Encoder, list []T, write func(*jsonlite.Encoder, *T)) {
	if list == nil {
		e.Null()
		return
	}
	e.Array()
	for i := range list {
		write(e, &list[i])
	}
	e.EndArray()
}

func writePeerState(e *jsonlite.Encoder, p *PeerState) {
	e.Object()
	e.UintField("id", p.ID)
	e.UintField("cluster_id", p.ClusterID)
	e.StringField("role", p.Role)
	e.UintField("term", p.Term)
	e.UintField("vote", p.Vote)
	e.UintField("lead", p.Lead)
	e.UintField("commit_index", p.CommitIndex)
	e.UintField("last_applied", p.LastApplied)
	e.UintField("last_index", p.LastIndex)
	e.OptUint("snapshot_index", p.SnapshotIndex)
	e.OptUint("snapshot_term", p.SnapshotTerm)
	e.Key("log")
	writeList(e, p.Log, func(e *jsonlite.Encoder, l *LogEntry) {
		e.Object()
		e.UintField("index", l.Index)
		e.UintField("term", l.Term)
		e.StringField("command", l.Command)
		e.OptBool("conf", l.Conf)
		e.EndObject()
	})
	e.UintField("log_first", p.LogFirst)
	e.IntField("election_elapsed", int64(p.ElectionElapsed))
	e.IntField("election_timeout", int64(p.ElectionTimeout))
	if len(p.Replication) > 0 {
		e.Key("replication")
		writeList(e, p.Replication, func(e *jsonlite.Encoder, r *Replication) {
			e.Object()
			e.UintField("peer", r.Peer)
			e.UintField("match_index", r.MatchIndex)
			e.UintField("next_index", r.NextIndex)
			e.StringField("mode", r.Mode)
			e.IntField("inflight", int64(r.Inflight))
			e.BoolField("active", r.Active)
			e.EndObject()
		})
	}
	e.Key("kv")
	writeStringMap(e, p.KV)
	e.UintField("restarts", p.Restarts)
	e.IntField("unsynced", int64(p.Unsynced))
	e.UintsField("voters", p.Voters)
	e.OptUints("learners", p.Learners)
	e.OptUints("outgoing", p.Outgoing)
	e.OptUint("conf_index", p.ConfIndex)
	e.OptBool("conf_committed", p.ConfCommitted)
	e.OptUint("voters_match", p.VotersMatch)
	e.OptUint("outgoing_match", p.OutgoingMatch)
	e.EndObject()
}

// writeStringMap writes a map with its keys in order, as encoding/json does.
func writeStringMap(e *jsonlite.Encoder, m map[string]string) {
	if m == nil {
		e.Null()
		return
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sortStrings(keys)
	e.Object()
	for _, k := range keys {
		e.StringKey(k)
		e.String(m[k])
	}
	e.EndObject()
}

// sortStrings sorts a map's few keys by insertion, in the byte order encoding/json
// uses: slices.Sort would bring 16 kB of generic sorting code into the page's wasm for
// lists of a handful of keys.
func sortStrings(keys []string) {
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
}

func writeMessageInfo(e *jsonlite.Encoder, m *MessageInfo) {
	e.Object()
	e.UintField("id", m.ID)
	e.UintField("from", m.From)
	e.UintField("to", m.To)
	e.StringField("type", m.Type)
	e.IntField("sent", m.Sent)
	e.IntField("deliver", m.Deliver)
	e.UintField("term", m.Term)
	e.OptUint("index", m.Index)
	e.OptUint("log_term", m.LogTerm)
	e.OptUint("commit", m.Commit)
	e.OptInt("entries", int64(m.Entries))
	e.OptBool("reject", m.Reject)
	e.StringField("text", m.Text)
	e.EndObject()
}

// AppendTraceJSON appends trace events as a JSON array (the page's events()); nil is
// null.
func AppendTraceJSON(b []byte, evs []TraceEvent) []byte {
	e := jsonlite.NewEncoder(b)
	writeList(e, evs, writeTraceEvent)
	out, _ := e.Bytes() // no floats: no error
	return out
}

func writeTraceEvent(e *jsonlite.Encoder, ev *TraceEvent) {
	e.Object()
	e.IntField("seq", int64(ev.Seq))
	e.IntField("time", ev.Time)
	e.OptBool("engine", ev.Engine)
	writeEventFields(e, &ev.EventJSON)
	e.OptUint("msg", ev.Msg)
	e.OptUint("to", ev.To)
	e.OptString("msg_type", ev.MsgType)
	e.OptUint("commit", ev.Commit)
	e.OptInt("entries", int64(ev.Entries))
	e.OptBool("reject", ev.Reject)
	e.OptInt("deliver", ev.Deliver)
	e.OptUint("copy", ev.Copy)
	e.OptString("cause", ev.Cause)
	if len(ev.Groups) > 0 {
		e.Key("groups")
		writeGroups(e, ev.Groups)
	}
	e.OptUint("client", ev.Client)
	e.OptUint("op_seq", ev.OpSeq)
	e.EndObject()
}

// writeEventFields writes the members of an engine.EventJSON.
func writeEventFields(e *jsonlite.Encoder, j *engine.EventJSON) {
	e.StringField("kind", j.Kind)
	e.OptUint("peer", j.Peer)
	e.OptUint("term", j.Term)
	e.OptUint("from", j.From)
	e.OptUint("index", j.Index)
	e.OptUint("log_term", j.LogTerm)
	e.OptUint("local_index", j.LocalIndex)
	e.OptUint("local_term", j.LocalTerm)
	e.OptString("reason", j.Reason)
	e.OptString("role", j.Role)
	e.OptBool("pre_vote", j.PreVote)
	e.OptUint("offset", j.Offset)
	e.OptUints("voters", j.Voters)
	e.OptUints("learners", j.Learners)
	e.OptUints("outgoing", j.Outgoing)
	e.StringField("text", j.Text)
}

func writeGroups(e *jsonlite.Encoder, groups [][]uint64) {
	e.Array()
	for _, g := range groups {
		e.Uints(g)
	}
	e.EndArray()
}

// appendJSON appends the scenario as json.Marshal writes it.
func (sc *Scenario) appendJSON(b []byte) ([]byte, error) {
	e := jsonlite.NewEncoder(b)
	e.Object()
	e.IntField("v", int64(sc.V))
	e.UintField("seed", sc.Seed)
	e.Key("options")
	sc.Options.write(e)
	if sc.Start.Peers != nil || sc.Start.Down != nil { // omitzero
		e.Key("start")
		e.Object()
		if len(sc.Start.Peers) > 0 {
			e.Key("peers")
			writePeerStarts(e, sc.Start.Peers)
		}
		e.OptUints("down", sc.Start.Down)
		e.EndObject()
	}
	e.Key("actions")
	writeList(e, sc.Actions, func(e *jsonlite.Encoder, a *Action) { a.write(e) })
	e.EndObject()
	return e.Bytes()
}

// writePeerStarts writes the preset peers by id, the ids in the order encoding/json
// puts a map's keys: as strings ("10" before "2").
func writePeerStarts(e *jsonlite.Encoder, peers map[uint64]PeerStart) {
	keys := make([]string, 0, len(peers))
	for id := range peers {
		keys = append(keys, strconv.FormatUint(id, 10))
	}
	sortStrings(keys)
	e.Object()
	for _, k := range keys {
		id, _ := strconv.ParseUint(k, 10, 64)
		ps := peers[id]
		e.Key(k)
		e.Object()
		e.UintField("term", ps.Term)
		e.UintField("vote", ps.Vote)
		e.UintField("commit", ps.Commit)
		e.UintsField("log", ps.Log)
		e.EndObject()
	}
	e.EndObject()
}

func (o *Options) write(e *jsonlite.Encoder) {
	e.Object()
	e.IntField("peers", int64(o.Peers))
	e.OptInt("voters", int64(o.Voters))
	e.IntField("tick", o.Tick)
	e.IntField("election_ticks", int64(o.ElectionTicks))
	e.IntField("heartbeat_ticks", int64(o.HeartbeatTicks))
	e.BoolField("pre_vote", o.PreVote)
	e.BoolField("check_quorum", o.CheckQuorum)
	e.IntsField("latency", o.Latency)
	e.FloatField("drop", o.Drop)
	e.FloatField("duplicate", o.Duplicate)
	e.IntField("clients", int64(o.Clients))
	e.IntField("client_keys", int64(o.ClientKeys))
	e.IntsField("client_think", o.ClientThink)
	e.IntField("client_latency", o.ClientLatency)
	e.IntField("client_timeout", o.ClientTimeout)
	e.IntField("client_tries", int64(o.ClientTries))
	e.OptUint("max_msg_bytes", o.MaxMsgBytes)
	e.OptInt("max_inflight", int64(o.MaxInflight))
	e.OptUint("snapshot_entries", o.SnapshotEntries)
	e.OptUint("snapshot_chunk_bytes", o.SnapshotChunkBytes)
	e.Key("unsafe")
	e.Object()
	e.BoolField("skip_up_to_date_check", o.Unsafe.SkipUpToDateCheck)
	e.BoolField("commit_old_terms", o.Unsafe.CommitOldTerms)
	e.BoolField("forget_vote_on_restart", o.Unsafe.ForgetVoteOnRestart)
	e.BoolField("read_before_term_commit", o.Unsafe.ReadBeforeTermCommit)
	e.OptBool("direct_config_change", o.Unsafe.DirectConfigChange)
	e.EndObject()
	e.EndObject()
}

func (a *Action) write(e *jsonlite.Encoder) {
	e.Object()
	e.IntField("at", a.At)
	e.StringField("type", string(a.Type))
	e.OptUint("peer", a.Peer)
	e.OptUint("from", a.From)
	e.OptUint("to", a.To)
	if len(a.Groups) > 0 {
		e.Key("groups")
		writeGroups(e, a.Groups)
	}
	e.OptUint("msg", a.Msg)
	e.OptInt("by", a.By)
	e.OptString("cmd", a.Cmd)
	e.OptUint("client", a.Client)
	e.OptUint("seq", a.Seq)
	e.OptString("key", a.Key)
	if a.Drop != nil {
		e.FloatField("drop", *a.Drop)
	}
	if a.Duplicate != nil {
		e.FloatField("duplicate", *a.Duplicate)
	}
	e.OptInts("latency", a.Latency)
	e.OptUints("voters", a.Voters)
	e.OptUints("learners", a.Learners)
	e.EndObject()
}

// decodeScenario reads a scenario's JSON as ParseScenario did with encoding/json:
// first the version alone (so that a newer format is reported as such, not by its
// first unknown field), then everything strictly onto the defaults (NewScenario).
func decodeScenario(data []byte) (Scenario, error) {
	d, err := jsonlite.NewDecoder(data)
	if err != nil {
		return Scenario{}, fmt.Errorf("%w: invalid JSON: %w", ErrScenario, withStdSyntaxError(data, err))
	}
	var version []byte
	err = d.Object("sim.Scenario", func(key string) error {
		if key != "v" {
			return d.Skip()
		}
		if d.Null() {
			version = nil
			return nil
		}
		version, err = d.Raw()
		return err
	})
	if err != nil {
		return Scenario{}, fmt.Errorf("%w: invalid JSON: %w", ErrScenario, err)
	}
	if version == nil {
		return Scenario{}, fmt.Errorf("%w: missing version field \"v\" (want %d)", ErrScenario, Version)
	}
	if string(version) != "1" {
		return Scenario{}, fmt.Errorf("%w: unsupported version %s (this build reads version %d)", ErrScenario, version, Version)
	}
	sc := NewScenario(0)
	d, _ = jsonlite.NewDecoder(data)
	d.Strict = true
	if err := sc.read(d); err != nil {
		return Scenario{}, fmt.Errorf("%w: %w", ErrScenario, err)
	}
	return sc, nil
}

// read reads a scenario's members onto sc. (Not inlined: its callers would each get a
// copy of its closure, a few kB of the page's wasm.)
//
//go:noinline
func (sc *Scenario) read(d *jsonlite.Decoder) error {
	return d.Object("sim.Scenario", func(key string) error {
		switch key {
		case "v":
			return d.Int(&sc.V)
		case "seed":
			return d.Uint64(&sc.Seed)
		case "options":
			return sc.Options.read(d)
		case "start":
			return sc.Start.read(d)
		case "actions":
			return jsonlite.Slice(d, &sc.Actions, "sim.Action", func(a *Action) error { return a.read(d) })
		}
		return d.Unknown()
	})
}

func (st *Start) read(d *jsonlite.Decoder) error {
	return d.Object("sim.Start", func(key string) error {
		switch key {
		case "peers":
			return readPeerStarts(d, &st.Peers)
		case "down":
			return d.Uints(&st.Down)
		}
		return d.Unknown()
	})
}

// readPeerStarts reads the preset peers, keyed by id, as json.Unmarshal reads a map:
// into the map there is (made if nil), each value afresh; null sets nil.
func readPeerStarts(d *jsonlite.Decoder, m *map[uint64]PeerStart) error {
	if d.Null() {
		*m = nil
		return nil
	}
	if *m == nil {
		*m = map[uint64]PeerStart{}
	}
	return d.Object("map[uint64]sim.PeerStart", func(string) error {
		id, err := strconv.ParseUint(d.Key(), 10, 64)
		if err != nil {
			return d.KeyError("uint64")
		}
		var ps PeerStart
		err = d.Object("sim.PeerStart", func(key string) error {
			switch key {
			case "term":
				return d.Uint64(&ps.Term)
			case "vote":
				return d.Uint64(&ps.Vote)
			case "commit":
				return d.Uint64(&ps.Commit)
			case "log":
				return d.Uints(&ps.Log)
			}
			return d.Unknown()
		})
		(*m)[id] = ps
		return err
	})
}

// read reads options onto o, in today's spelling or the camelCase one
// (options_legacy.go): never both spellings of one option.
func (o *Options) read(d *jsonlite.Decoder) error {
	return readRenamed(d, "sim.Options", legacyOptionKeys, func(key string) error {
		switch key {
		case "peers":
			return d.Int(&o.Peers)
		case "voters":
			return d.Int(&o.Voters)
		case "tick":
			return d.Int64(&o.Tick)
		case "election_ticks":
			return d.Int(&o.ElectionTicks)
		case "heartbeat_ticks":
			return d.Int(&o.HeartbeatTicks)
		case "pre_vote":
			return d.Bool(&o.PreVote)
		case "check_quorum":
			return d.Bool(&o.CheckQuorum)
		case "latency":
			return d.Ints(&o.Latency)
		case "drop":
			return d.Float64(&o.Drop)
		case "duplicate":
			return d.Float64(&o.Duplicate)
		case "clients":
			return d.Int(&o.Clients)
		case "client_keys":
			return d.Int(&o.ClientKeys)
		case "client_think":
			return d.Ints(&o.ClientThink)
		case "client_latency":
			return d.Int64(&o.ClientLatency)
		case "client_timeout":
			return d.Int64(&o.ClientTimeout)
		case "client_tries":
			return d.Int(&o.ClientTries)
		case "max_msg_bytes":
			return d.Uint64(&o.MaxMsgBytes)
		case "max_inflight":
			return d.Int(&o.MaxInflight)
		case "snapshot_entries":
			return d.Uint64(&o.SnapshotEntries)
		case "snapshot_chunk_bytes":
			return d.Uint64(&o.SnapshotChunkBytes)
		case "unsafe":
			return o.Unsafe.read(d)
		}
		return d.Unknown()
	})
}

func (u *Unsafe) read(d *jsonlite.Decoder) error {
	return readRenamed(d, "sim.Unsafe", legacyUnsafeKeys, func(key string) error {
		switch key {
		case "skip_up_to_date_check":
			return d.Bool(&u.SkipUpToDateCheck)
		case "commit_old_terms":
			return d.Bool(&u.CommitOldTerms)
		case "forget_vote_on_restart":
			return d.Bool(&u.ForgetVoteOnRestart)
		case "read_before_term_commit":
			return d.Bool(&u.ReadBeforeTermCommit)
		case "direct_config_change":
			return d.Bool(&u.DirectConfigChange)
		}
		return d.Unknown()
	})
}

// readRenamed reads an object of options (or unsafe switches) as Options.UnmarshalJSON
// (and Unsafe's) does with encoding/json: strictly, whatever the format around it, and
// with the legacy spellings (legacy maps them to today's) renamed. With no legacy key,
// the members are read in order; with one, Unmarshal had put them in a map (a repeated
// key's last value wins), renamed the legacy keys (both spellings of one option are an
// error) and read them back from the map's JSON, so in the order of their keys; so do
// we.
func readRenamed(d *jsonlite.Decoder, goType string, legacy map[string]string, member func(key string) error) error {
	defer func(strict bool) { d.Strict = strict }(d.Strict)
	d.Strict = true
	start := d.Offset()
	at := map[string]int{} // key as written -> offset of its (last) value
	renamed := false
	err := d.Object(goType, func(string) error {
		at[d.Key()] = d.Offset()
		if _, ok := legacy[d.Key()]; ok {
			renamed = true
		}
		return d.Skip()
	})
	if err != nil {
		return err
	}
	end := d.Offset()
	if !renamed {
		d.Seek(start)
		return d.Object(goType, member)
	}
	keys := make([]string, 0, len(at))
	for k := range at {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, old := range keys {
		name, ok := legacy[old]
		if !ok {
			continue
		}
		if _, both := at[name]; both {
			return fmt.Errorf("both %q and its older spelling %q are given", name, old)
		}
		at[name] = at[old]
		delete(at, old)
	}
	keys = keys[:0]
	for k := range at {
		keys = append(keys, k)
	}
	sortStrings(keys)
	for _, k := range keys {
		if err := d.Member(k, at[k], end, member); err != nil {
			return err
		}
	}
	return nil
}

//go:noinline
func (a *Action) read(d *jsonlite.Decoder) error {
	return d.Object("sim.Action", func(key string) error {
		switch key {
		case "at":
			return d.Int64(&a.At)
		case "type":
			return d.String((*string)(&a.Type))
		case "peer":
			return d.Uint64(&a.Peer)
		case "from":
			return d.Uint64(&a.From)
		case "to":
			return d.Uint64(&a.To)
		case "groups":
			return jsonlite.Slice(d, &a.Groups, "[]uint64", func(g *[]uint64) error { return d.Uints(g) })
		case "msg":
			return d.Uint64(&a.Msg)
		case "by":
			return d.Int64(&a.By)
		case "cmd":
			return d.String(&a.Cmd)
		case "client":
			return d.Uint64(&a.Client)
		case "seq":
			return d.Uint64(&a.Seq)
		case "key":
			return d.String(&a.Key)
		case "drop":
			return d.FloatPtr(&a.Drop)
		case "duplicate":
			return d.FloatPtr(&a.Duplicate)
		case "latency":
			return d.Ints(&a.Latency)
		case "voters":
			return d.Uints(&a.Voters)
		case "learners":
			return d.Uints(&a.Learners)
		}
		return d.Unknown()
	})
}

// DecodeAction reads one action from JSON strictly (unknown fields are errors), as
// json.Decoder with DisallowUnknownFields does; a second value after it is an error.
func DecodeAction(data []byte) (Action, error) {
	var a Action
	d, err := jsonlite.NewStreamDecoder(data)
	if err != nil {
		return a, err
	}
	d.Strict = true
	if err := a.read(d); err != nil {
		return a, err
	}
	if d.More() {
		return a, errors.New("more than one value")
	}
	return a, nil
}

// ReadScenario reads a scenario's members from d onto sc as ParseScenario does (the
// options in either spelling), but d's own strictness decides about unknown keys: for
// lessons.DecodePageJSON, which reads scenarios embedded in its own format.
func ReadScenario(d *jsonlite.Decoder, sc *Scenario) error { return sc.read(d) }

// ReadAction reads an action's members from d onto a, for lessons.DecodePageJSON.
func ReadAction(d *jsonlite.Decoder, a *Action) error { return a.read(d) }
