package engine_test

import "fmt"

// snapshot takes a snapshot on one peer, "snapshot 1 index=5": the harness's state
// machine as of index (the commands applied up to it, snapshotData), at the peer's
// applied index when index is not given. A refusal by the engine is output.
func (d *scriptDriver) snapshot(c *scriptCommand) (string, error) {
	id, err := d.onePeer(c, "index")
	if err != nil {
		return "", err
	}
	p := d.n.peers[id]
	if p == nil {
		return "", fmt.Errorf("snapshot: peer %d is crashed", id)
	}
	index, err := c.uintArg("index", p.Status().LastApplied)
	if err != nil {
		return "", err
	}
	if err := p.TakeSnapshot(index, d.n.snapshotData(id, index)); err != nil {
		return fmt.Sprintf("error: %v\n", err), nil
	}
	d.n.handle(id)
	return "", nil
}
