package client

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"

	"github.com/raftplay/raftplay/node"
)

// Link asks the first node of the list to cut (cut true) or heal its link to peer:
// a cut link drops every Raft message between the two (POST /admin/links/{peer}/cut
// or /heal, which needs the cluster token). It is sent once, to that node alone: a
// link is a property of the node asked, not of the cluster.
func (c *Client) Link(ctx context.Context, peer uint64, cut bool) (node.LinkResult, error) {
	action := "heal"
	if cut {
		action = "cut"
	}
	base := c.nodes[0]
	ans, err := c.once(ctx, base, request{method: http.MethodPost, path: fmt.Sprintf("/admin/links/%d/%s", peer, action)})
	if err != nil {
		return node.LinkResult{}, err
	}
	if ans.status != http.StatusOK {
		return node.LinkResult{}, ans.err()
	}
	var res node.LinkResult
	if err := json.Unmarshal(ans.body, &res); err != nil {
		return node.LinkResult{}, fmt.Errorf("%s answered 200 with a body that is not a link result: %w", base, err)
	}
	return res, nil
}
