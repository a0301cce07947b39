package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/raftplay/raftplay/node"
)

// Members returns the configuration as the node that answers uses it (GET /members:
// any node answers for itself, a follower's view may trail the leader's). It is
// retried like a read.
func (c *Client) Members(ctx context.Context) (node.Members, error) {
	return c.members(ctx, request{method: http.MethodGet, path: "/members"})
}

// AddMember asks the leader to add server id, reachable at raftAddr (HOST:PORT) and
// httpAddr (a URL, or HOST:PORT), as a learner (POST /members); the leader makes it a
// voter once it has caught up. It returns once the learner's entry is committed; the
// server is then a learner, not yet a voter (see node.Members). Adding a member again
// with the same addresses succeeds and changes nothing (Index 0), so a retry is safe.
// While another change is in progress the error has code
// node.CodeConfChangeInProgress.
//
// The leader first checks that the server answers at those addresses; when it does
// not, the error has code node.CodeMemberUnreachable and nothing was added
// (AddMemberRequest with Force skips the check).
func (c *Client) AddMember(ctx context.Context, id uint64, raftAddr, httpAddr string) (node.Members, error) {
	return c.AddMemberRequest(ctx, node.MemberRequest{ID: id, RaftAddr: raftAddr, HTTPAddr: httpAddr})
}

// AddMemberRequest is AddMember with the whole request: Force adds a server that is
// not started yet, without the leader's check that it answers.
func (c *Client) AddMemberRequest(ctx context.Context, mr node.MemberRequest) (node.Members, error) {
	body, err := json.Marshal(mr)
	if err != nil {
		return node.Members{}, fmt.Errorf("encode the member request: %w", err)
	}
	return c.members(ctx, request{method: http.MethodPost, path: "/members", body: string(body),
		header: http.Header{"Content-Type": {"application/json"}}})
}

// RemoveMember asks the leader to remove member id (DELETE /members/{id}). It returns
// once the entry that starts the change is committed: when a voter leaves, that is the
// joint configuration C_old,new (§6), and the leader appends C_new by itself. A server
// that is no member is an error with code node.CodeUnknownMember.
func (c *Client) RemoveMember(ctx context.Context, id uint64) (node.Members, error) {
	return c.members(ctx, request{method: http.MethodDelete, path: fmt.Sprintf("/members/%d", id)})
}

func (c *Client) members(ctx context.Context, req request) (node.Members, error) {
	ans, err := c.do(ctx, req)
	if err != nil {
		return node.Members{}, err
	}
	if ans.status != http.StatusOK {
		return node.Members{}, ans.err()
	}
	var m node.Members
	if err := json.Unmarshal(ans.body, &m); err != nil {
		return node.Members{}, fmt.Errorf("%s answered 200 with a body that is not a member list: %w", ans.node, err)
	}
	return m, nil
}
