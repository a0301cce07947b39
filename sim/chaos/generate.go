// Package chaos runs seeded fault scenarios through the simulator and judges them: every
// invariant after every event, liveness once the faults heal, durability of
// acknowledged writes, and linearizability of the client history. When a run fails it
// shrinks the scenario to a short one that still fails, for the playground to replay.
//
// It is apart from package sim so that the linearizability checker (porcupine) is not
// compiled into the browser playground.
package chaos

import (
	"math/rand/v2"
	"slices"

	"github.com/raftplay/raftplay/sim"
)

// Config shapes the generated scenarios and the checks of a run.
type Config struct {
	// Duration is the virtual time, in ms, during which faults are injected. After it
	// every fault heals and the run checks liveness.
	Duration int64
	// Clients is the number of simulated clients issuing operations throughout.
	Clients int
	// LivenessTicks bounds, in ticks, how long after healing a leader must be elected
	// and a proposal commit on every peer.
	LivenessTicks int
	// Unsafe breaks protocol rules in every generated scenario; used to prove that the
	// checks catch a broken engine.
	Unsafe sim.Unsafe
}

// DefaultConfig is what `raftplay chaos` runs: 10 s of faults with 5 clients.
func DefaultConfig() Config {
	return Config{Duration: 10000, Clients: 5, LivenessTicks: 300}
}

// Generate builds the fault scenario of one seed: a random sequence of crashes,
// restarts, partitions, one-way blocks, network changes and forced timeouts during
// cfg.Duration, then a heal that restores every peer and link. Some seeds also play a
// pattern (see patterns) at a random moment. The same seed and config always give the
// same scenario.
func Generate(seed uint64, cfg Config) sim.Scenario {
	sc := sim.NewScenario(seed)
	sc.Options.Clients = cfg.Clients
	sc.Options.Unsafe = cfg.Unsafe
	rng := rand.New(rand.NewPCG(seed, 0xc4a05))
	// A quarter of the runs use five peers: some histories, like Figure 8's, need two
	// disjoint majorities of stale peers, which three peers cannot form.
	if rng.IntN(4) == 0 {
		sc.Options.Peers = 5
	}
	// The pattern, if any, draws from a stream of its own, and may change the model.
	prng := rand.New(rand.NewPCG(seed, patternStream))
	pat := pickPattern(prng, cfg)
	if pat != nil && pat.servers != nil {
		pat.servers(&sc.Options, prng)
	}
	g := generator{rng: rng, peers: sc.Options.Peers}
	// A third of the runs replicate a few entries per message through a small window,
	// so the flow control (and Figure 8's window between an old entry and a new one) is
	// exercised too. The window still lets a restarted follower catch up faster than
	// the clients write, or the liveness check would fail for want of bandwidth.
	if g.rng.IntN(3) == 0 {
		sc.Options.MaxMsgBytes = []uint64{1, 64, 256}[g.rng.IntN(3)]
		sc.Options.MaxInflight = 4 + g.rng.IntN(5)
	}
	g.down = make([]bool, g.peers+1)
	// A third of the runs take snapshots every few entries and send them in small
	// chunks (§7), so that followers that come back behind get InstallSnapshot, whose
	// chunks the network loses and duplicates like any message. The choice draws from
	// its own stream: the other runs keep the scenarios they always had.
	snap := rand.New(rand.NewPCG(seed, 0x5a4b5))
	if snap.IntN(3) == 0 {
		sc.Options.SnapshotEntries = uint64(2 + snap.IntN(12))
		sc.Options.SnapshotChunkBytes = []uint64{8, 32, 128, 0}[snap.IntN(4)]
		g.snap = snap
	}
	if pat != nil && pat.prepare != nil {
		pat.prepare(&sc.Options, prng)
	}
	from, end := int64(0), cfg.Duration
	if pat != nil {
		// The pattern starts after some random faults, on a healed cluster.
		end = patternMinStart + prng.Int64N(cfg.Duration/2-patternMinStart)
	}
	g.faults(from, end)
	if pat != nil {
		g.healAll(end)
		sc.Actions, from = g.actions, end
		d, err := newDirector(sc, prng, g.down, end, cfg.Duration-1)
		if err == nil {
			pat.play(d)
			sc, from = d.finish()
			g.actions, g.down = sc.Actions, d.down
		}
		g.faults(from, cfg.Duration)
	}
	g.healAll(cfg.Duration)
	sc.Actions = g.actions
	return sc
}

// faults adds random faults from shortly after time from until time end.
func (g *generator) faults(from, end int64) {
	for at := from + g.between(50, 400); at < end; at += g.between(30, 700) {
		g.fault(at)
		if g.snap != nil && g.snap.IntN(6) == 0 {
			at = g.crashDuringTransfer(at, end)
		}
	}
}

// patternMinStart is the earliest time a pattern starts, in ms: after the first
// election. Runs shorter than patternMinRun play none.
const (
	patternMinStart = 300
	patternMinRun   = 6000
)

// A pattern is a fault history that independent random faults almost never produce,
// played by a director that watches the run (see director). Each names the unsafe
// switch it is there to catch.
type pattern struct {
	name string
	// weight is the pattern's share of the seeds, in thousandths.
	weight int
	// needs reports whether the run's config allows the pattern.
	needs func(cfg Config) bool
	// servers sets the number of servers and the first configuration, before the
	// random faults are drawn for them; prepare adjusts the other options. Both draw
	// from the pattern's stream.
	servers func(o *sim.Options, rng *rand.Rand)
	prepare func(o *sim.Options, rng *rand.Rand)
	play    func(d *director)
}

// patterns are the directed patterns, each with its share of the seeds.
var patterns = []pattern{
	{
		// Figure 8 (§5.4.2): CommitOldTerms is caught only by this history.
		name:   "figure-8",
		weight: 150,
		needs:  func(cfg Config) bool { return cfg.Clients > 0 },
		prepare: func(o *sim.Options, rng *rand.Rand) {
			// One entry per AppendEntries opens the window between the old entry
			// reaching a majority and the new leader's own entry following it.
			o.MaxMsgBytes, o.MaxInflight = 1, 4+rng.IntN(5)
		},
		play: (*director).figure8,
	},
	{
		// §7: InstallSnapshot chunks lost, duplicated and reordered, and crashes of
		// either end, aimed at transfers rather than left to chance.
		name:   "snapshot-transfer",
		weight: 100,
		prepare: func(o *sim.Options, rng *rand.Rand) {
			o.SnapshotEntries = uint64(2 + rng.IntN(12))
			o.SnapshotChunkBytes = []uint64{8, 32, 128}[rng.IntN(3)]
		},
		play: (*director).snapshotTransfer,
	},
	{
		// §6: membership changes at random, with crashes and partitions, on 7
		// servers of which 1 to 5 are the first voters; DirectConfigChange (Figure 10)
		// is caught here.
		name:   "membership",
		weight: 200,
		servers: func(o *sim.Options, rng *rand.Rand) {
			o.Peers, o.Voters = 7, 1+rng.IntN(5)
		},
		play: (*director).membership,
	},
}

// PatternOf names the pattern the seed plays with cfg ("figure-8"), or "" for none.
func PatternOf(seed uint64, cfg Config) string {
	if p := pickPattern(rand.New(rand.NewPCG(seed, patternStream)), cfg); p != nil {
		return p.name
	}
	return ""
}

// patternStream is the random stream of the pattern choice and of its director.
const patternStream = 0x9a77e2

// pickPattern draws the seed's pattern, or nil for a seed that plays none.
func pickPattern(rng *rand.Rand, cfg Config) *pattern {
	if cfg.Duration < patternMinRun {
		return nil
	}
	n := rng.IntN(1000)
	for i := range patterns {
		p := &patterns[i]
		if n < p.weight {
			if p.needs == nil || p.needs(cfg) {
				return p
			}
			return nil
		}
		n -= p.weight
	}
	return nil
}

type generator struct {
	rng     *rand.Rand
	peers   int
	down    []bool // by peer id
	actions []sim.Action
	// snap, set in runs with snapshots, adds the faults aimed at snapshot transfers.
	snap *rand.Rand
}

func (g *generator) between(lo, hi int64) int64 { return lo + g.rng.Int64N(hi-lo+1) }

func (g *generator) peer() uint64 { return uint64(1 + g.rng.IntN(g.peers)) }

func (g *generator) add(a sim.Action) { g.actions = append(g.actions, a) }

// fault adds one random fault at time at, keeping the scenario valid: only peers that
// are up crash, only peers that are down restart.
func (g *generator) fault(at int64) {
	switch n := g.rng.IntN(100); {
	case n < 20:
		p := g.peer()
		if g.down[p] {
			g.down[p] = false
			g.add(sim.Action{At: at, Type: sim.ActRestart, Peer: p})
		} else {
			g.down[p] = true
			g.add(sim.Action{At: at, Type: sim.ActCrash, Peer: p})
		}
	case n < 35:
		if p := g.downPeer(); p != 0 {
			g.down[p] = false
			g.add(sim.Action{At: at, Type: sim.ActRestart, Peer: p})
		}
	case n < 55:
		g.add(sim.Action{At: at, Type: sim.ActPartition, Groups: g.split()})
	case n < 65:
		from := g.peer()
		to := from%uint64(g.peers) + 1
		g.add(sim.Action{At: at, Type: sim.ActBlock, From: from, To: to})
	case n < 80:
		g.add(sim.Action{At: at, Type: sim.ActHeal})
	case n < 92:
		drop := float64(g.rng.IntN(4)) * 0.05      // 0 to 15% loss
		duplicate := float64(g.rng.IntN(3)) * 0.05 // 0 to 10% duplicates
		lo := g.between(1, 5)
		g.add(sim.Action{At: at, Type: sim.ActNetwork, Drop: &drop, Duplicate: &duplicate,
			Latency: []int64{lo, lo + g.between(0, 30)}})
	default:
		if p := g.peer(); !g.down[p] {
			g.add(sim.Action{At: at, Type: sim.ActTimeout, Peer: p})
		}
	}
}

// crashDuringTransfer keeps a peer down while the others write and compact past it,
// restarts it, and crashes it again a few ms later, when the leader is likely sending
// it a snapshot (or it is receiving one); then brings it back. The restarted follower
// holds no partial transfer and the leader must start over (§7). It returns the time
// of its last action (at when it added none), before end.
func (g *generator) crashDuringTransfer(at, end int64) int64 {
	p := g.peer()
	back := at + 1 + g.snap.Int64N(600)
	again := back + 5 + g.snap.Int64N(80)
	last := again + 1 + g.snap.Int64N(200)
	if g.down[p] || last >= end {
		return at
	}
	down := 0
	for _, d := range g.down {
		if d {
			down++
		}
	}
	if 2*(down+1) >= g.peers {
		return at // keep a majority up, or nothing is written to compact
	}
	g.add(sim.Action{At: at, Type: sim.ActCrash, Peer: p})
	g.add(sim.Action{At: back, Type: sim.ActRestart, Peer: p})
	g.add(sim.Action{At: again, Type: sim.ActCrash, Peer: p})
	g.add(sim.Action{At: last, Type: sim.ActRestart, Peer: p})
	return last
}

func (g *generator) downPeer() uint64 {
	for id := 1; id <= g.peers; id++ {
		if g.down[id] {
			return uint64(id)
		}
	}
	return 0
}

// split divides the peers into two random non-empty sides.
func (g *generator) split() [][]uint64 {
	ids := make([]uint64, g.peers)
	for i := range ids {
		ids[i] = uint64(i + 1)
	}
	g.rng.Shuffle(len(ids), func(i, j int) { ids[i], ids[j] = ids[j], ids[i] })
	cut := 1 + g.rng.IntN(g.peers-1)
	a, b := slices.Clone(ids[:cut]), slices.Clone(ids[cut:])
	slices.Sort(a)
	slices.Sort(b)
	return [][]uint64{a, b}
}

// healAll ends the faults: every link restored, the network clean, every peer up.
func (g *generator) healAll(at int64) {
	zero := 0.0
	g.add(sim.Action{At: at, Type: sim.ActHeal})
	g.add(sim.Action{At: at, Type: sim.ActNetwork, Drop: &zero, Duplicate: &zero, Latency: sim.DefaultOptions().Latency})
	for id := 1; id <= g.peers; id++ {
		if g.down[id] {
			g.down[id] = false
			g.add(sim.Action{At: at, Type: sim.ActRestart, Peer: uint64(id)})
		}
	}
}
