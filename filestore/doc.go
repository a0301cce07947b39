// Package filestore keeps a peer's durable state on disk: the engine.SnapshotLogStore
// of native nodes. It is an append-only log file, a small state file and at most one
// snapshot file, and it keeps every entry of the log (and the snapshot) in memory as
// well, so the engine's reads never touch the disk.
//
// # The directory
//
//	state                    ConfState, generation of the current log, term and vote,
//	                         the synced high-water mark, the recovering flag, and
//	                         the index and term of the snapshot the log follows
//	log-0000000000000001     the log: a header, then one record per Save
//	snap-0000000000000400    the snapshot at index 0x400 (§7), if there is one: the
//	                         state machine up to there; the log holds what follows
//	LOCK                     flocked while a process has the store open (Open until
//	                         Close, Repair, RebuildState, AcceptLoss); it holds that
//	                         process's id, for the *LockedError of the next one
//
// Compaction writes the live log to the next generation (log-0000000000000002) and
// switches the state file to it. Files named log-… that the state file does not name
// are leftovers of an interrupted compaction or snapshot; Open deletes them, the
// snapshot files the state file does not name, and the temporary state.tmp and
// snap-….tmp too. Backups that Repair makes (log-….bak, snap-….bak) are kept.
//
// # The log file
//
// Integers are little-endian; entries and HardStates use the engine's encoding
// (engine.AppendEntry, engine.AppendHardState).
//
//	header   magic "RPLAYLOG", version u32, salt u32, generation u64,
//	         CRC-32C of the 24 bytes before it (u32)
//	record   body length u32, body CRC u32, frame CRC u32 (of the 8 bytes before it),
//	         then the body:
//	           flags byte (bit 0: a HardState follows; bit 1: the entries carry
//	           their type, always set since membership changes, §6)
//	           [HardState]
//	           entry count (uvarint), then that many entries
//
// and the state file:
//
//	state    magic "RPLAYSTA", version u32 (4), log generation (uvarint), ConfState,
//	         term, votedFor, high-water bytes, high-water index (uvarints),
//	         flags byte (bit 0: recovering),
//	         snapshot index, snapshot term (uvarints; 0 and 0 for none),
//	         CRC-32C of everything before it (u32)
//
// and a snapshot file:
//
//	snap     magic "RPLAYSNP", version u32 (2), then the snapshot in the engine's
//	         encoding (engine.AppendSnapshot): index, term (uvarints), ConfState,
//	         data length (uvarint), data (the state machine's bytes);
//	         CRC-32C of everything before it (u32)
//
// State files of version 1 (no term, vote, mark or flags), 2 (no snapshot) and 3 (a
// ConfState of the voters only) are still read, and replaced by a version 4 one at the
// first state write; so are snapshot files of version 1 (a ConfState of the voters
// only), and records without bit 1 (untyped entries, read as normal ones). The
// ConfState there is the configuration as of the start of the log (the snapshot's, or
// the one the store was created with); the engine finds later ones in the log's
// configuration entries (§6). The log of a
// store with a snapshot at index s starts at s+1: its first record's first entry is
// at s+1 or, after a truncation, above it; a record holding an entry at or below s is
// corruption.
//
// Every record checksum is CRC-32C (Castagnoli) seeded with the file's random salt, so
// a record from another file, or left on the disk by one, never validates here. The
// frame has its own checksum so that, after damage, a scan can tell a real record
// boundary from noise without trusting a damaged length.
//
// One Save is one record, written with one write and, if it must be synced, one
// fdatasync. The HardState travels in the record with the entries it accompanies, so
// the two are durable together or not at all (a vote and the log it was based on never
// come apart). A Save whose first entry is at or below the last index is a truncation:
// replay drops the log from that index on and appends. The record says so by its
// indices alone, and nothing already in the file is ever rewritten.
//
// # Why a crash at any byte keeps the promises
//
// The promises are: a Save that returned after a sync survives any crash; a Save is
// all there or not at all; HardState, once synced, never goes back; and damage that a
// crash cannot explain is never silently dropped.
//
// What a crash can do, given a disk that honours fsync: the bytes written since the
// last sync of a file may be lost from some point on, or replaced by garbage (zeros, or
// whatever the blocks held). Bytes written before a completed fdatasync stay.
//
//   - The store only appends: a synced byte is never written again (the crash tests
//     check this). So a crash can only damage the tail after the last sync, which holds
//     no acknowledged synced Save.
//   - Replay checks every record's frame and checksums. The first record that fails
//     them, with no valid record starting at any later byte, is a torn write: Open cuts
//     the file there (and syncs the cut before appending again) and reports it. Each
//     Save is one record, so what is cut is whole Saves that were never synced: the
//     log is exactly as it was after some Save, never half of one. (Damage to the last
//     record of a file looks exactly like a torn write, so it is cut too; the
//     RecoveryReport says so, and a node logs it.)
//   - A failing record with a valid one after it cannot be a torn append: a crash
//     loses the end of what was written, not a piece in the middle. That is corruption (a flipped bit, a lost
//     sector), and Open refuses with a *CorruptionError naming the file and offset
//     instead of dropping the valid records after it. Repair, on request, keeps a
//     backup and cuts there. (A disk that writes unsynced pages out of order could also
//     leave such a gap; refusing is the safe answer then too.)
//   - A record that passes its checksum but breaks the log's rules (a gap in the
//     indices, a term going down) was written by a broken program: corruption too.
//   - The state file is never modified in place: a new one is written to state.tmp,
//     fsynced, renamed over state, and the directory is fsynced. A crash leaves the old
//     state file or the new one, never a mix.
//   - Compaction writes the new log completely and fdatasyncs it before the state file
//     names it; until then the state names the old, intact log. See Store.Compact.
//   - SaveSnapshot writes the snapshot file to snap-….tmp, fsyncs it, renames it and
//     fsyncs the directory; then writes the log after the snapshot (the suffix that
//     matches it, §7, or nothing) as a new generation and fdatasyncs it; then writes
//     the state file naming both, the commit point. A crash before that rename leaves
//     the old state file, naming the old snapshot and log, both intact (Open deletes
//     the new files); after it, the new ones, complete. The old log and snapshot are
//     deleted only then. So a crash at any byte leaves a valid snapshot and log: the
//     old pair or the new one (the crash tests crash inside every step).
//   - A snapshot file is written whole and renamed into place, so a crash never
//     leaves one half-written under its own name. A snapshot file that fails its
//     checksum, or is missing, was damaged after it was durable: Open refuses with a
//     *CorruptionError naming it (CorruptionError.InSnapshot). Repair then moves it,
//     and the log after it, aside (….bak) and starts an empty log, marked
//     recovering: the node keeps its term and vote, rejoins as a non-voter, and the
//     leader, which no longer has the entries it lacks, sends it a snapshot.
//   - A new store creates its log file, then its state file; a directory with a log
//     file of no records but no state file is a create that crashed, and starts over.
//
// # Memory and speed
//
// Open reads the whole log file into one buffer, checks it, and builds an index of
// every entry whose Command and Context alias that buffer: one read, and no copies of
// payloads. Reopening a log of a million 128-byte entries takes about a tenth of a
// second (BenchmarkReopen1M). The index is kept in chunks of 4096 entries, so that
// neither growing nor truncating a long log copies it whole (see entryIndex); Entries
// stops at the end of a chunk. Save copies the Entry values and keeps their Command
// and Context as given (the engine never modifies them). A synced Save costs its write
// and one fdatasync: within a few percent of a bare write+fdatasync loop of the same
// bytes, and about 0.9 of one that writes only the commands, since the record also
// holds each entry's index, term and lengths (BenchmarkAppendVsRaw).
//
// # Dead bytes and compaction
//
// Truncated entries, superseded HardStates and the frames of many small records are
// dead: a compacted log would not hold them (Stats.DeadBytes). When the dead bytes pass
// Options.CompactMinDeadBytes and CompactDeadRatio times the live bytes, Save compacts,
// so the file stays within a constant factor of the live log and each compaction's
// cost (rewriting the live bytes) is paid for by at least as many bytes written since
// the last one. The live log is the entries after the snapshot (1..last without one);
// a snapshot drops the rest (see SaveSnapshot), so the directory's size is bounded by
// the snapshot plus the log since it, within the same constant factor.
//
// # Failures and concurrency
//
// After a failed write or fdatasync the store refuses every later Save: the kernel may
// have dropped the dirty pages it could not write, so what the file holds is unknown
// until it is read back. Reopen the store (the node restarts). A Store is not safe for
// concurrent use; a node drives it from its Ready loop, one call at a time.
//
// # Damaged disks: what is detected, and what is not
//
// Raft assumes that what a server synced stays: a vote, or an acknowledged entry, that
// a disk loses can elect a leader without committed entries. The store cannot make a
// bad disk good, but it proves the losses it can, so that the node stops trusting
// itself (engine.Config.Recovering), in the spirit of Viewstamped Replication's
// recovery (Liskov and Cowling, §4.3) and of protocol-aware recovery (Alagappan et
// al., FAST '18): a replica that lost state asks the others instead of voting on what
// it no longer has.
//
//   - Term and vote are in the state file as well as the log. A Save that changes
//     them is synced, then written to the state file, before any message that
//     depends on them leaves. Open takes the newer of the two: a log that lost its
//     tail cannot take a vote back with it, so term and vote never go back.
//   - The high-water mark is the size of the log file known to be synced, and its
//     last index then. It is rewritten with every state write, by Checkpoint (the
//     node calls it once a second), and by Close (a clean shutdown). Appends never
//     rewrite a synced byte, so a log whose valid records end below the mark, whatever
//     did it (a cut or zeroed tail, a flipped byte that Repair cut out), proves that
//     synced records were lost. So does a last HardState older than the state file's.
//   - A proven loss is made durable at once (the restored HardState goes back into the
//     log, the state file gets the recovering flag and a new mark), reported
//     (RecoveryReport.Loss, Recovering), and remembered across restarts until the
//     node calls MarkRecovered. The node then rejoins as a non-voter: it refuses votes
//     and pre-votes, never campaigns, and the leader counts neither its
//     acknowledgements nor its read acknowledgements, until it has accepted the
//     leader's whole log (engine.EventRecovered). A leader's log holds every entry
//     committed in a term up to its own (§5.4), and the node's term is at least that
//     of anything it acknowledged, so it then holds every entry committed with its
//     help.
//   - A missing or damaged state file is refused; RebuildState writes a new one from
//     the log, marked recovering, since the mark, term and vote it held are gone. A
//     missing log file is refused too; Repair starts an empty one, marked recovering.
//   - A recovering node needs a leader to catch up from. When too many nodes lost
//     data for one to be elected (two of three recovering), AcceptLoss clears the
//     flag of one of them by hand: the last resort, which may lose writes that only
//     the damaged nodes had acknowledged.
//
// What stays undetectable, precisely:
//
//   - Records synced after the last high-water mark write, at most about a second
//     of writes (or since the last term or vote change), then lost from the end of
//     the log: that looks exactly like the torn write of a crash, and the node
//     rejoins as a voter. An entry it acknowledged in that window survives only on
//     the other nodes that hold it; if those fail before this node has caught up, and
//     it forms a majority with a node that never had the entry, the entry is lost.
//     (The node does catch up: its rejections say it restarted, so the leader forgets
//     its Match.)
//   - The state file lost together with the log's tail: the term and vote the tail
//     held are gone. RebuildState marks the node recovering, so it does not vote
//     until it has caught up, but a leader of an older term can bring it up to date,
//     after which it may vote again in a term it had voted in.
//   - A consistent older copy of the whole directory (a restored backup, a disk that
//     loses several synced seconds of every file at once, a disk that acknowledges
//     fsync without writing), and an emptied directory, which is a new node that never
//     voted: nothing on this disk contradicts them.
//   - Damage that keeps every CRC-32C valid (about one chance in 2^32 per damaged
//     record).
//
// # Inspect and Repair
//
// Inspect describes a store without changing it (each record's offset, kind, indices,
// terms and HardState) for the lessons and `raftplay repair`; Repair cuts a damaged
// log after keeping a backup.
package filestore
