// Package node runs one native raftplay node: the engine's Peer driven by real time,
// a TCP transport to the other voters, a kv.Store as the replicated state machine, and
// an HTTP API for clients and for watching the protocol.
//
//	n, err := node.New(node.Config{ID: 1, Peers: peers, PeerHTTP: urls,
//		HTTPAddr: "127.0.0.1:8001", Store: store, Logger: logger})
//	...
//	err = n.Run(ctx) // returns after a clean shutdown once ctx is cancelled
//
// # The Ready loop
//
// One goroutine owns the Peer, the LogStore and the kv.Store. It waits for a tick of
// the clock (Config.TickInterval), a message from a peer, a proposal or a read from an
// HTTP handler; takes everything else that is waiting, so that one Ready, and one
// fsync, covers a whole batch; and then handles each Ready in the engine's order:
// Save (synced when MustSync), send, apply, serve the confirmed reads, Advance. A Ready
// that only moves the commit index (a follower learning of a commit, say) is not
// synced (the file store keeps it for its next record or a clean close): after a crash that lost it the node restarts with an older
// commit index, re-applies up to there, and the leader tells it the rest. What it
// acknowledged (entries, its term and vote) is always synced before the message
// leaves.
// Nothing it does blocks on the network or on a client: sends go into bounded per-peer
// queues, answers into buffered channels, events into bounded per-subscriber buffers.
//
// # HTTP API
//
//	method  path          answer
//	GET     /status       200 Status (JSON): id, cluster_id, role, term, leader,
//	                      commit_index, last_applied, last_index, voters, learners,
//	                      outgoing (while joint), removed (when true), peers (the
//	                      members), log_tail (the last LogTailLen entries' index
//	                      and term), cut_links
//	GET     /events       200 text/event-stream: "status" (Status JSON; at start,
//	                      then on changes, at most every StatusEventInterval),
//	                      "raft" (Event JSON), "lagging" ({"dropped": n})
//	GET     /events?messages=1  the same for a live page, plus "message"
//	                      (MessageEvent JSON: a message this node sent, at most
//	                      MaxMessageEvents a second), the frequent engine events
//	                      sampled (FrequentEvent, at most MaxFrequentEvents a second),
//	                      and "sampled" ({"dropped": n}) for what was left out
//	GET     /members      200 Members: the configuration this node uses, each member's
//	                      role and addresses (any node answers for itself)
//	POST    /members      {"id", "raft_addr", "http_url"}: add a learner (leader only,
//	                      a follower redirects); 200 Members once its entry is
//	                      committed; the leader promotes it once caught up (promoteLag).
//	                      First the leader checks the server answers (probeMember:
//	                      its Raft address connects, its /status is that id of this
//	                      cluster, 2 s each), else 422 member-unreachable, nothing
//	                      proposed; "force": true skips the check
//	DELETE  /members/{id} remove a member; 200 Members once the entry is committed
//	POST    /admin/links/{peer}/cut   drop every Raft message to and from peer;
//	POST    /admin/links/{peer}/heal  deliver them again; 200 LinkResult
//	GET     /kv/{key}     200 the value as the body (application/octet-stream),
//	                      404 when absent; linearizable (ReadIndex)
//	PUT     /kv/{key}     body = value; 200 WriteResult once committed and applied;
//	                      413 when the value exceeds Config.MaxBodyBytes (1 MiB)
//	PUT     /kv/{key}     with X-Raftplay-Expect: OLD, compare-and-set: 200 when the
//	                      key held OLD, else 409 with the current value (ErrorBody)
//	DELETE  /kv/{key}     200 WriteResult (found: false when the key was absent); 400
//	                      with X-Raftplay-Expect (DELETE is unconditional)
//
// Keys may contain slashes (/kv/a/b is the key "a/b") and are at most kv.MaxKeyLen
// bytes. A key with a "." or ".." segment or an empty segment before its end is
// refused with 400, however it is escaped (/kv/.., /kv/%2e%2e, /kv/a//b). Successful kv
// answers carry X-Raftplay-Index, the log index the write was applied at or the read
// served at. Every error is JSON (ErrorBody): 400 for a bad key or header, 404 for an
// unknown path, 405 for a wrong method, 422 for a session seq reused for a different
// command. Its "code" is machine-readable (the Code constants, such as CodeNoLeader);
// its "error" is for people and may change, so clients decide on the code. Package
// node/client is the client of this API.
//
// Writes and reads are served by the leader. A follower answers 307 Temporary
// Redirect with Location set to the leader's URL (Config.PeerHTTP) and the same path,
// so `curl -L` and Go's http.Client follow it (both resend the body on a 307). With no
// known leader the answer is 503 with Retry-After. A write whose leader loses
// leadership before the entry is applied is answered 503 too: its outcome is unknown.
//
// A client that retries writes sends X-Raftplay-Client (a random nonzero uint64 it
// keeps) and X-Raftplay-Seq (1, 2, ... one per new write, the same for a retry): the
// state machine then applies a retried write at most once and answers the retry as it
// answered the original (§6.3 of the Raft dissertation). A retry must repeat its
// command exactly: a different command under a used seq is refused with 422 and
// changes nothing, decided by kv as it applies the entry, so every replica agrees. A
// session idle for kv.DefaultSessionExpiry log entries is forgotten (decided by log
// index, never by a clock); a retry later than that is applied again. Requests without
// these headers carry no session, so the node does not invent one per request. The node still matches each applied entry to the request
// that proposed it exactly: by the index and term Propose gave it (an index and a term
// name one entry), and by the client id and sequence number inside the command.
//
// # Transport
//
// Each node dials every other member of its configuration and writes its messages on
// that connection, opened by a handshake (magic, version, sender and recipient ids,
// cluster id, cluster token, the sender's Raft address) and continued with length-prefixed frames, each holding one
// engine.Message; see wire.go for the layout and MaxFrameSize. A connection that fails
// is redialled with a capped exponential back-off with jitter. A peer's send queue is
// bounded (Config.SendQueueLen, SendQueueBytes): when it is full frames are dropped,
// and Raft's retransmissions make up for them. Received frames from an id outside the
// configuration, or not matching the connection's handshake, are dropped and logged;
// an oversized or malformed frame closes the connection. A link cut with
// POST /admin/links/{peer}/cut drops every message to and from that peer in the
// transport (the engine sees a partition, not an order), until it is healed or the
// node restarts; the cutting node also closes its connection to the peer until the
// heal, so that both nodes' /status show the link not connected.
//
// # Membership
//
// Members' addresses travel in the configuration (§6): each member's
// engine.MemberContext holds its Raft and HTTP addresses (member.go), the first change
// writing those of the members the cluster was created with (known from
// Config.Peers and PeerHTTP). When the engine adopts a configuration (a Ready with
// joint-entered, joint-left, conf-switched or conf-rolled-back), the node dials the
// new members, redirects to the addresses it gives, and once that configuration's
// entry is committed lets go of the members it dropped (closing their connections
// and refusing them). A node started with an empty store (filestore Options.Join)
// is joining: it accepts any peer of its cluster and answers it at the address its
// handshake declared, until a configuration adds it. Learners are promoted by
// whichever node leads, once caught up (membership.go). A removed node learns it from
// the leader, which keeps replicating to it until it holds the configuration that
// removes it, known committed (engine.Peer.Leaving): it then stops talking to the
// cluster and says so (Status.Removed). Only a node the leader could not reach for
// the bounded time it tries (down or cut off during the removal) learns it instead
// from a member's GET /members, after 2 s without a leader (removal.go).
//
// # Security
//
// Nodes listen on 127.0.0.1 unless told otherwise: an address without a host, such as
// ":7001", means 127.0.0.1. New refuses a non-loopback Raft or HTTP address unless a
// cluster token is set (Config.Token) or Config.Insecure says the network is trusted.
// With a token, peer handshakes must carry it and HTTP requests must send
// "Authorization: Bearer <token>"; both are compared in constant time. The token is
// not encryption: use a private network or a tunnel across networks you do not trust.
//
// The HTTP server bounds what one client can hold: request headers must arrive within
// 10 s, a PUT body within Config.BodyReadTimeout (else 408 and the connection closes),
// and at most Config.MaxHTTPConns connections are open (more are closed as soon as
// they are accepted). Warnings a flood would repeat (refused peer connections,
// refused messages, closed HTTP connections) are logged once a minute per kind, with
// the number held back since the last one. The engine refuses a message whose term is
// absurdly far ahead (engine.Config.MaxTermAhead), so a forged term cannot exhaust the
// term space.
//
// # Shutdown
//
// Cancelling Run's context stops the loop; requests still waiting are answered 503,
// /events streams end, the HTTP server shuts down, the transport closes its listener
// and connections, and Run returns once every goroutine it started has returned.
package node
