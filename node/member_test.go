package node

import (
	"net"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMemberAddrsRoundTrip(t *testing.T) {
	b, err := EncodeMemberAddrs(MemberAddrs{Raft: "127.0.0.1:7004", HTTP: "127.0.0.1:8004"})
	require.NoError(t, err)
	assert.Equal(t, byte(memberContextVersion), b[0])
	got, err := DecodeMemberAddrs(b)
	require.NoError(t, err)
	assert.Equal(t, MemberAddrs{Raft: "127.0.0.1:7004", HTTP: "http://127.0.0.1:8004"}, got, "the HTTP address is kept as a base URL")
}

func TestMemberAddrsEmptyHostIsLoopback(t *testing.T) {
	b, err := EncodeMemberAddrs(MemberAddrs{Raft: ":7004", HTTP: ":8004"})
	require.NoError(t, err)
	got, err := DecodeMemberAddrs(b)
	require.NoError(t, err)
	assert.Equal(t, MemberAddrs{Raft: "127.0.0.1:7004", HTTP: "http://127.0.0.1:8004"}, got)
}

func TestMemberAddrsRefusesBadInput(t *testing.T) {
	_, err := EncodeMemberAddrs(MemberAddrs{Raft: "no-port", HTTP: "127.0.0.1:8004"})
	assert.ErrorContains(t, err, "not HOST:PORT")
	_, err = EncodeMemberAddrs(MemberAddrs{Raft: "127.0.0.1:0", HTTP: "127.0.0.1:8004"})
	assert.ErrorContains(t, err, "not a number in 1..65535")
	_, err = EncodeMemberAddrs(MemberAddrs{Raft: "127.0.0.1:7004", HTTP: ""})
	assert.ErrorContains(t, err, "HTTP address")

	good, err := EncodeMemberAddrs(MemberAddrs{Raft: "127.0.0.1:7004", HTTP: "http://127.0.0.1:8004"})
	require.NoError(t, err)
	for _, tc := range []struct {
		name  string
		input []byte
		want  string
	}{
		{"empty", nil, "empty"},
		{"other version", append([]byte{2}, good[1:]...), "version 2"},
		{"cut short", good[:len(good)-3], "remain"},
		{"trailing bytes", append(append([]byte{}, good...), 'x'), "1 trailing bytes"},
		{"no HTTP length", good[:1+1+len("127.0.0.1:7004")], "no HTTP address length"},
		{"bad Raft address", []byte{1, 3, 'a', 'b', 'c', 0}, "not HOST:PORT"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := DecodeMemberAddrs(tc.input)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// A joining node answers a peer at the Raft address its handshake declared; a host
// left empty or unspecified there is the host the connection came from.
func TestDeclaredAddr(t *testing.T) {
	remote := &net.TCPAddr{IP: net.ParseIP("10.0.0.7"), Port: 51234}
	assert.Equal(t, "127.0.0.1:7001", declaredAddr("127.0.0.1:7001", remote))
	assert.Equal(t, "10.0.0.7:7001", declaredAddr(":7001", remote))
	assert.Equal(t, "10.0.0.7:7001", declaredAddr("0.0.0.0:7001", remote))
	assert.Equal(t, "node1.example:7001", declaredAddr("node1.example:7001", remote))
	assert.Empty(t, declaredAddr("", remote), "a version 1 handshake declares nothing")
	assert.Empty(t, declaredAddr("no-port", remote))
}
