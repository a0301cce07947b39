package node

import "errors"

// The machine-readable codes of the HTTP API's error answers (ErrorBody.Code). A client
// decides on the code, never on the human text next to it, which may change. For a 503
// the code says whether the request can have taken effect: every code but
// CodeOutcomeUnknown means it certainly did not.
const (
	// CodeBadRequest (400): a malformed key, header or session, or a stale session seq.
	CodeBadRequest = "bad-request"
	// CodeUnauthorized (401): the cluster token is missing or wrong.
	CodeUnauthorized = "unauthorized"
	// CodeKeyNotFound (404): GET of a key that is absent; the body names the key and the
	// index the read was served at.
	CodeKeyNotFound = "key-not-found"
	// CodeNoSuchEndpoint (404): a path the API does not have.
	CodeNoSuchEndpoint = "no-such-endpoint"
	// CodeMethodNotAllowed (405): a method the path does not take; Allow lists those it does.
	CodeMethodNotAllowed = "method-not-allowed"
	// CodeBodyTimeout (408): the PUT body did not arrive within Config.BodyReadTimeout.
	CodeBodyTimeout = "body-timeout"
	// CodeCASFailed (409): a compare-and-set found the key absent (Found false) or holding
	// another value (Current).
	CodeCASFailed = "cas-failed"
	// CodeTooLarge (413): the value is over Config.MaxBodyBytes.
	CodeTooLarge = "too-large"
	// CodeSeqReused (422): a session seq already used for a different command.
	CodeSeqReused = "seq-reused"
	// CodeInternal (500): the state machine refused an applied command.
	CodeInternal = "internal"
	// CodeNotLeader (307): this node is a follower; Location and Leader name the leader.
	CodeNotLeader = "not-leader"
	// CodeNoLeader (503): no leader is known, an election is probably under way; the
	// request was not proposed.
	CodeNoLeader = "no-leader"
	// CodeLeaderAddressUnknown (503): the leader is known (Leader) but not its HTTP
	// address (Config.PeerHTTP); the request was not proposed.
	CodeLeaderAddressUnknown = "leader-address-unknown"
	// CodeOverloaded (503): the node could not take the request in time, or it has too
	// many /events streams; nothing was proposed.
	CodeOverloaded = "overloaded"
	// CodeStopping (503): the node is shutting down; the request was not proposed (or, a
	// read, not served).
	CodeStopping = "stopping"
	// CodeOutcomeUnknown (503): a write was proposed but not yet applied when the node
	// gave up on it (a timeout, lost leadership, a shutdown); it may still be applied.
	// Retry with the same session (HeaderClient, HeaderSeq) to have it applied at most once.
	CodeOutcomeUnknown = "outcome-unknown"
	// CodeNotApplied (503): a new leader replaced the proposed entry before it was
	// committed: the write was certainly not applied.
	CodeNotApplied = "not-applied"
	// CodeReadNotConfirmed (503): the leader could not confirm a read in time (or lost
	// leadership first); nothing was read.
	CodeReadNotConfirmed = "read-not-confirmed"
)

// codeOf is the code of an error the loop gave up on a write with. An error it does not
// know leaves the outcome unknown: the safe answer, since a client may then only retry
// with the same session.
func codeOf(err error) string {
	if errors.Is(err, errEntryReplaced) {
		return CodeNotApplied
	}
	return CodeOutcomeUnknown // errStoppingWrite, errLeadershipLost
}

// The codes of the membership endpoints (/members).
const (
	// CodeConfChangeInProgress (409): another configuration change is not finished
	// (the configuration is joint, or its entry is not committed yet): at most one
	// change at a time (§6). Retry once it is.
	CodeConfChangeInProgress = "conf-change-in-progress"
	// CodeUnknownMember (404): DELETE /members/{id} of a server that is not a member.
	CodeUnknownMember = "unknown-member"
	// CodeMemberExists (409): POST /members of a server that is a member already,
	// with other addresses (with the same ones the add succeeds and changes nothing).
	CodeMemberExists = "member-exists"
	// CodeMemberUnreachable (422): POST /members of a server the leader could not reach
	// within a short bound (its Raft address takes no connection, or its HTTP API does
	// not answer as that server of this cluster); nothing was proposed. The error names
	// the address and what failed. MemberRequest.Force skips the check.
	CodeMemberUnreachable = "member-unreachable"
)
