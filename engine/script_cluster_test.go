package engine_test

import (
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/memstore"
)

// The cluster command: the peers, their settings and the durable state they start from.

// cluster starts the peers: "cluster voters=3 pre-vote=false unsafe=(commit-old-terms)",
// with optional input lines giving a peer's durable state, "3 term=2 vote=3 commit=1
// log=(1, 2, 2)", from which it restarts.
func (d *scriptDriver) cluster(c *scriptCommand) error {
	if d.n != nil {
		return errors.New("cluster given twice")
	}
	if err := c.checkArgs(false, append(append([]string{"voters", "seed"}, clusterConfigArgs...), "unsafe")...); err != nil {
		return err
	}
	count, err := c.uintArg("voters", uint64(len(voters)))
	if err != nil {
		return err
	}
	if count == 0 || count > 9 {
		return fmt.Errorf("cluster: voters=%d; want 1 to 9", count)
	}
	ids := make([]uint64, count)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	mutate, err := configFromArgs(c)
	if err != nil {
		return err
	}
	cfg := engine.DefaultConfig(1, memstore.New(engine.ConfState{Voters: ids}))
	mutate(&cfg)
	if err := cfg.Validate(); err != nil {
		return fmt.Errorf("cluster: %w", err)
	}
	preset := map[uint64]presetState{}
	for _, line := range c.input {
		id, st, err := parsePreset(line, ids)
		if err != nil {
			return fmt.Errorf("cluster: %w", err)
		}
		preset[id] = st
	}
	d.n = newNetworkOf(d.t, ids, mutate, preset)
	return nil
}

// configFromArgs turns cluster's settings into a change of DefaultConfig. seed=S gives
// peer i the seed S+i (DefaultConfig's seed is i), so every peer draws its own timeouts.
func configFromArgs(c *scriptCommand) (func(*engine.Config), error) {
	base := engine.DefaultConfig(1, nil)
	seed, err := c.uintArg("seed", 0)
	if err != nil {
		return nil, err
	}
	var errs []error
	boolean := func(key string, def bool) bool {
		v, err := c.boolArg(key, def)
		errs = append(errs, err)
		return v
	}
	number := func(key string, def uint64) uint64 {
		v, err := c.uintArg(key, def)
		errs = append(errs, err)
		return v
	}
	preVote, checkQuorum := boolean("pre-vote", base.PreVote), boolean("check-quorum", base.CheckQuorum)
	electionTick := number("election-ticks", uint64(base.ElectionTicks))
	heartbeatTick := number("heartbeat-ticks", uint64(base.HeartbeatTicks))
	maxSize := number("max-size-per-msg", base.MaxSizePerMsg)
	maxInflight := number("max-inflight-msgs", uint64(base.MaxInflightMsgs))
	chunk := number("snapshot-chunk-size", base.SnapshotChunkSize)
	maxChunks := number("max-inflight-snapshot-chunks", uint64(base.MaxInflightSnapshotChunks))
	var unsafe engine.UnsafeConfig
	for _, rule := range c.arg("unsafe") {
		switch rule {
		case "commit-old-terms":
			unsafe.CommitOldTerms = true
		case "skip-up-to-date-check":
			unsafe.SkipUpToDateCheck = true
		case "direct-config-change":
			unsafe.DirectConfigChange = true
		default:
			errs = append(errs, fmt.Errorf("cluster: unknown unsafe rule %q (%s)", rule, strings.Join(unsafeRules, ", ")))
		}
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return func(cfg *engine.Config) {
		cfg.Seed = seed + cfg.ID
		cfg.PreVote, cfg.CheckQuorum = preVote, checkQuorum
		cfg.ElectionTicks, cfg.HeartbeatTicks = int(electionTick), int(heartbeatTick)
		cfg.MaxSizePerMsg, cfg.MaxInflightMsgs = maxSize, int(maxInflight)
		cfg.SnapshotChunkSize, cfg.MaxInflightSnapshotChunks = chunk, int(maxChunks)
		cfg.Unsafe = unsafe
	}, nil
}

// clusterConfigArgs are the cluster arguments that set an engine.Config field: each is
// the field's name in kebab case (TestScriptArgsNameConfigFields keeps them so).
var clusterConfigArgs = []string{"pre-vote", "check-quorum", "election-ticks", "heartbeat-ticks",
	"max-size-per-msg", "max-inflight-msgs", "snapshot-chunk-size", "max-inflight-snapshot-chunks"}

// unsafeRules are the words of "unsafe=(...)", each an engine.UnsafeConfig field in
// kebab case.
var unsafeRules = []string{"commit-old-terms", "skip-up-to-date-check", "direct-config-change"}

// parsePreset reads "ID term=T vote=V commit=C log=(T1, T2, ...)": the log's entries
// get indices 1, 2, ... and the given terms.
func parsePreset(line string, ids []uint64) (uint64, presetState, error) {
	words, err := splitScriptWords(strings.TrimSpace(line))
	if err != nil {
		return 0, presetState{}, err
	}
	c := &scriptCommand{name: "preset " + words[0]}
	for _, w := range words[1:] {
		c.args = append(c.args, parseScriptArg(w))
	}
	if err := c.checkArgs(false, "term", "vote", "commit", "log"); err != nil {
		return 0, presetState{}, err
	}
	id, err := strconv.ParseUint(words[0], 10, 64)
	if err != nil || !slices.Contains(ids, id) {
		return 0, presetState{}, fmt.Errorf("preset line %q: %q is not a peer of the cluster", line, words[0])
	}
	var st presetState
	var errs []error
	for key, field := range map[string]*uint64{"term": &st.hardState.Term, "vote": &st.hardState.VotedFor, "commit": &st.hardState.Commit} {
		*field, err = c.uintArg(key, 0)
		errs = append(errs, err)
	}
	var terms []uint64
	for _, v := range c.arg("log") {
		term, err := strconv.ParseUint(v, 10, 64)
		errs = append(errs, err)
		terms = append(terms, term)
	}
	st.log = presetLog(terms...)
	return id, st, errors.Join(errs...)
}
