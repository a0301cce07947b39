// Package engine is raftplay's Raft core: the protocol of the Raft paper ("In Search of
// an Understandable Consensus Algorithm", Ongaro and Ousterhout) as a pure state
// machine. It reads no clock, starts no goroutine, does no I/O and draws its randomness
// from a seeded source, so the same inputs always give the same outputs. That is what
// lets one engine run in the browser (virtual time, step back and forth), in the
// simulator (thousands of seeded runs a minute) and in native nodes (real disks and
// sockets).
//
// # The driving loop
//
// A Peer is driven from outside with three inputs and one output:
//
//	p.Tick()                   // one unit of logical time has passed
//	p.Step(msg)                // a message arrived from another peer
//	p.Propose(cmd, ctx)        // a client wants cmd in the log (leader only)
//	p.ReadIndex(id)            // a client wants a linearizable read (leader only)
//
//	for p.HasReady() {
//		rd := p.Ready()
//		if !rd.Snapshot.IsEmpty() { store.SaveSnapshot(rd.Snapshot) } // 1. persist
//		store.Save(rd.HardState, rd.Entries, rd.MustSync) //    (atomically)
//		for _, m := range rd.Messages { send(m) }        // 2. then send
//		if rd.RestoreSnapshot {                           // 3. then apply, in order
//			stateMachine.Restore(rd.Snapshot.Data)
//		}
//		for _, e := range rd.CommittedEntries {
//			stateMachine.Apply(e)
//		}
//		serveReads(rd.ReadStates)                          // 4. reads, once applied
//		p.Advance()                                        // 5. done
//	}
//
// The order is what keeps Raft safe. A vote promised in a message must be on disk
// before the message leaves, or a crash and restart could vote twice in one term. An
// AppendEntries reply says "I store these entries", so they must be durable first.
// Entries are applied only after they are committed and, here, durable.
//
// Everything Ready returns is valid until Advance. Nothing may call Tick, Step, Propose
// or ReadIndex between Ready and Advance.
//
// # Where each rule of Figure 2 lives
//
//   - Rules for all servers (a higher term makes us a follower): Peer.Step.
//   - Followers and candidates (election timeout): tickElection, campaign.
//   - RequestVote receiver (one vote per term, §5.4.1 up-to-date check):
//     handleVoteRequest.
//   - Candidates (count votes, become leader, accept a leader): tallyVote,
//     stepCandidate.
//   - Leaders (empty entry on election, heartbeats, replicate, back off on
//     rejection, commit only entries of the current term): becomeLeader,
//     tickHeartbeat, sendAppend, handleAppendResponse, maybeCommit.
//   - AppendEntries receiver (consistency check, truncate a conflicting suffix,
//     advance the commit index): handleAppendEntries.
//
// Role changes swap behaviour: becomeFollower, becomePreCandidate, becomeCandidate and
// becomeLeader set the tick and step functions for that role.
//
// # Beyond the paper's figure
//
//   - Pre-vote (Config.PreVote): before raising its term, a peer asks whether it could
//     win. A peer cut off by a partition then cannot disrupt the leader when it returns.
//   - Check-quorum (Config.CheckQuorum): a leader that has not heard from a majority
//     within an election timeout steps down, and followers that hear a leader refuse
//     votes, so a deposed leader cannot keep serving.
//   - Replication flow control: per follower, a leader is in probe mode (one
//     AppendEntries at a time while it looks for the point where the logs match) or
//     replicate mode (streaming, up to MaxInflightMsgs in flight). A rejection carries
//     a hint (the term of the conflicting entry and the first index of that term), so
//     the leader skips a whole term per round trip instead of one entry.
//   - Batching: proposals made before the next Ready go out in one AppendEntries and
//     one persist.
//   - ReadIndex: a read is served at the commit index the leader had when it arrived,
//     once a heartbeat round shows a majority still follows it.
//   - Snapshots (§7). The application compacts the log by handing the peer its state
//     machine as of an applied index (TakeSnapshot); the driver persists it with
//     SnapshotLogStore.SaveSnapshot. A follower that needs entries the leader no
//     longer has gets the snapshot instead, in chunks with a window of its own
//     (InstallSnapshot: handleSnapshot, sendSnapshotChunks), keeps the log suffix that
//     follows the snapshot if it matches, and never installs one at or below its
//     commit index. Events snapshot-taken, -sent, -installed and -rejected explain each
//     step.
//   - Damaged disks. A restarted follower flags its rejections (Message.Restarted)
//     until it accepts an AppendEntries, so a leader tells a real rejection at or
//     below Match (the follower's log got shorter) from an old reordered one, and
//     forgets Match instead of waiting forever. A host whose storage proved that it
//     lost acknowledged entries starts the peer with Config.Recovering: it neither
//     votes nor campaigns, the leader counts neither its acknowledgements nor its read
//     acknowledgements, and it votes again once it has accepted the leader's whole log
//     (Message.Tail, EventRecovered).
//
// # Membership changes (§6)
//
// The configuration (ConfState: voters, learners, and while joint the outgoing voters
// C_old) changes through the log. ProposeConfChange appends C_old,new when the voters
// change, maybeLeaveJoint appends C_new once that is committed, and
// maybeStepDownRemoved makes a leader outside C_new step down once C_new is committed.
// Every peer uses the latest configuration in its log, committed or not (setConf,
// confAfterReplace, which also rolls a truncated one back); while joint, every decision
// needs a majority of each voter set (jointQuorumValue). Learners are replicated to and
// never counted, and only voters campaign, plus a voter of the previous configuration
// while the latest is uncommitted (promotable, dissertation §4.2.2). See membership.go.
// A server a change removes is still replicated to, and never counted, until it holds
// the entry that removes it and knows it is committed (it says so by its commit index
// in its replies), or for at most an election timeout after that entry commits: it then
// knows it is out (EventRemoved) and never campaigns again. See leaving.go.
//
// # Events
//
// Each decision a learner should see (a timeout fired, a vote granted or refused and
// why, entries rejected for a log mismatch, a suffix truncated, the commit index moved,
// a step-down) is an Event in Ready.Events with the numbers that explain it. The
// playground narrates them and lessons check them. Event.Describe and Message.Describe
// give the sentence forms that the engine's test scripts in engine/testdata/ compare.
package engine
