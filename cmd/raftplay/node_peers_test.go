package main

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// Two peers at one address cannot both be there: the node dialed itself as its peer
// and logged "peer 1 dialed peer 2, but this is peer 1" until stopped.
func TestNodePeersAtOneAddressAreAUsageMistake(t *testing.T) {
	port := freeLoopbackPort(t)
	f := nodeFlags{id: 1, peers: fmt.Sprintf("1=127.0.0.1:%d,2=127.0.0.1:%d", port, port),
		http: fmt.Sprintf("127.0.0.1:%d", freeLoopbackPort(t)), data: t.TempDir(), tick: 10 * time.Millisecond, electionTicks: 20, logLevel: "warn"}
	_, err := f.config()
	assert.ErrorContains(t, err, fmt.Sprintf("--peers: ids 1 and 2 both have the address 127.0.0.1:%d", port))

	_, err = parseIDAddrs("--peer-http", "1=http://127.0.0.1:8001,3=http://127.0.0.1:8001", true)
	assert.ErrorContains(t, err, "--peer-http: ids 1 and 3 both have the address http://127.0.0.1:8001")
}
