// Package sim is a deterministic simulation of a raftplay cluster: the real engine on
// in-memory storage, with a virtual clock, a seeded network, crashes and restarts,
// simulated clients and the invariants of the Raft paper checked after every event. The
// browser playground, the lessons, the tests and the chaos runs all drive it.
//
// # Scenarios
//
// A run is fully determined by a Scenario, the JSON of share links, traces and lesson
// starts:
//
//	{"v":1,"seed":42,"options":{"clients":2},
//	 "start":{"peers":{"1":{"term":3,"log":[1,1,2]}},"down":[3]},
//	 "actions":[{"at":500,"type":"crash","peer":1},{"at":900,"type":"heal"}]}
//
// Options are the model (peer count, tick length, timeouts, latency, loss, clients,
// unsafe switches; see DefaultOptions), Start presets durable state (so the situations of
// Figures 7 and 8 can be set up exactly), and Actions are faults and commands applied at
// given virtual times. ParseScenario validates all of it and names what is wrong.
//
// # Time and events
//
// Time is virtual milliseconds. One event queue, a binary heap ordered by (time, then
// scheduling order), holds everything that will happen: the ticks of each peer (every
// Options.Tick ms, each peer at its own phase so they are not in lock-step), message
// deliveries, client timers and requests, and the next scenario action. Step processes
// exactly one event; RunUntil and RunTicks run to a time. A scenario action at time t
// applies after every other event due at t, and Cluster.Act first processes those events
// before it applies an action at Now(): that is what makes a run recorded with Act replay
// identically from Scenario(). Timers are data: a tick of a crashed peer or a delivery
// of a dropped message stays in the queue and is recognized as stale by a generation
// number when it comes up.
//
// # Peers
//
// Each peer is an engine.Peer on a memstore.Store, with a kv.Store as its state machine,
// driven by the Ready loop after every input: save the HardState and entries (synced
// when the Ready says so), send the messages into the network, apply the committed
// entries, serve the confirmed reads, Advance. A crash drops the engine peer and the
// state machine and crashes the store (unsynced writes are lost); messages to or from
// the peer that are still in flight are lost when they arrive. A restart builds a new
// engine peer on the same store, seeded from the scenario seed, the peer id and the
// restart count; the new state machine re-applies the log from index 1.
//
// # Network
//
// Every message gets a sequential id (InFlight lists them; drop, duplicate and delay
// actions name them). Its latency is drawn uniformly from Options.Latency, it is lost
// with probability Options.Drop and delivered twice with probability
// Options.Duplicate, all from one seeded PCG. Partitions and one-way blocks are checked
// when a message is sent and again when it arrives.
//
// # Clients
//
// With Options.Clients > 0, simulated clients issue random put, get, delete and
// compare-and-set operations on a few keys. A client talks to a peer directly with the
// fixed latency Options.ClientLatency (clients are outside the peers' network), follows
// "not the leader" hints, retries the same ClientID and Seq at another peer after a
// timeout and gives up after Options.ClientTries attempts. Writes go through the log;
// reads use ReadIndex. Every operation lands in History in the shape a linearizability
// checker consumes (the checker lives in another package: this one is compiled to
// WebAssembly and stays small), and every acknowledged write is kept for the durability
// check.
//
// # Invariants
//
// After every event the simulator checks, incrementally (it looks only at what the
// event changed, and allocates only to grow its registries with new entries): Election
// Safety, Leader Append-Only, Log Matching (a registry of every
// persisted (index, term) with the term before it and its command), Leader Completeness
// (a new leader's log holds the highest committed entry), State Machine Safety (one
// entry committed and applied per index), term and commit never going back (also across
// restarts), last_applied <= commit_index <= last index, and fresh reads (a read is
// served from a state machine that has applied every entry committed anywhere before the
// read reached its peer: ReadIndex's promise, thesis §6.4). CheckAckedWrites checks
// that acknowledged writes survived, and CheckLiveness that a leader is elected and a
// proposal commits within a bound. Violations are recorded (and stop the run with
// RunConfig.StopOnViolation); an engine panic, which unsafe options can provoke, is
// recorded as a violation and stops the run.
//
// # Trace
//
// Every engine event and every simulator event (send, deliver, drop, crash, client
// request, violation, ...) is a TraceEvent. The trace is kept for Events when
// RunConfig.KeepTrace is set; its hash (TraceHash) is always kept, and equal hashes mean
// equal runs.
//
// # Determinism
//
// There is no wall clock, no goroutine, no map iteration that affects the run, and every
// random choice comes from PCGs seeded by the scenario seed, so a scenario runs event for
// event the same natively and under GOOS=js. Replay and ReplaySteps rebuild any earlier
// state from the scenario. A Timeline steps back faster: it keeps Checkpoints of the run
// (cheap copies that share what never changes) and replays from the nearest one; acting
// in the past forks the run. The playground and the lessons move along one.
package sim
