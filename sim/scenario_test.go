package sim

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func ptr[T any](v T) *T { return &v }

// fullScenario uses every kind of action and a preset.
func fullScenario() Scenario {
	sc := NewScenario(42)
	sc.Options.Clients = 2
	sc.Options.Latency = []int64{1, 5}
	sc.Options.Unsafe.ForgetVoteOnRestart = true
	sc.Start = Start{
		Peers: map[uint64]PeerStart{1: {Term: 3, Vote: 2, Commit: 2, Log: []uint64{1, 1, 3}}, 2: {Term: 3, Log: []uint64{1, 1}}},
		Down:  []uint64{3},
	}
	sc.Actions = []Action{
		{At: 0, Type: ActRestart, Peer: 3},
		{At: 10, Type: ActTimeout, Peer: 1},
		{At: 20, Type: ActPartition, Groups: [][]uint64{{1}, {2, 3}}},
		{At: 30, Type: ActBlock, From: 2, To: 3},
		{At: 40, Type: ActHeal},
		{At: 50, Type: ActDrop, Msg: 7},
		{At: 50, Type: ActDuplicate, Msg: 8},
		{At: 60, Type: ActDelay, Msg: 9, By: 30},
		{At: 70, Type: ActClient, Peer: 2, Cmd: "CAS x 1 2"},
		{At: 80, Type: ActNetwork, Drop: ptr(0.1), Latency: []int64{3, 3}},
		{At: 90, Type: ActRead, Peer: 1, Key: "x"},
		{At: 100, Type: ActCrash, Peer: 2},
	}
	return sc
}

func TestScenarioRoundTrip(t *testing.T) {
	sc := fullScenario()
	data, err := sc.Marshal()
	require.NoError(t, err)
	back, err := ParseScenario(data)
	require.NoError(t, err)
	assert.Equal(t, sc, back)
	again, err := back.Marshal()
	require.NoError(t, err)
	assert.JSONEq(t, string(data), string(again))
}

func TestParseScenarioDefaults(t *testing.T) {
	sc, err := ParseScenario([]byte(`{"v":1,"seed":5,"options":{"clients":2,"pre_vote":false}}`))
	require.NoError(t, err)
	want := NewScenario(5)
	want.Options.Clients = 2
	want.Options.PreVote = false
	assert.Equal(t, want, sc)

	sc, err = ParseScenario([]byte(`{"v":1}`))
	require.NoError(t, err)
	assert.Equal(t, DefaultOptions(), sc.Options)
	assert.Empty(t, sc.Actions)
}

func TestParseScenarioErrors(t *testing.T) {
	tests := []struct {
		name, json, want string
	}{
		{"not json", `{"v":1,`, "invalid JSON"},
		{"no version", `{"seed":1}`, `missing version field "v"`},
		{"newer version", `{"v":2,"seed":1}`, "unsupported version 2"},
		{"string version", `{"v":"1"}`, `unsupported version "1"`},
		{"unknown field", `{"v":1,"speed":3}`, `unknown field "speed"`},
		{"unknown option", `{"v":1,"options":{"peer":3}}`, `unknown field "peer"`},
		{"unknown action field", `{"v":1,"actions":[{"at":0,"type":"heal","color":"red"}]}`, `unknown field "color"`},
		{"trailing data", `{"v":1} {"v":1}`, "invalid JSON: invalid character '{' after top-level value"},
		{"seed too big", `{"v":1,"seed":9007199254740992}`, "seed 9007199254740992 is above 2^53-1"},
		{"negative seed", `{"v":1,"seed":-1}`, "cannot unmarshal number -1"},
		{"zero peers", `{"v":1,"options":{"peers":0}}`, "options: peers must be 1 to 9, got 0"},
		{"ten peers", `{"v":1,"options":{"peers":10}}`, "peers must be 1 to 9, got 10"},
		{"zero tick", `{"v":1,"options":{"tick":0}}`, "tick must be 1 to 1000 ms"},
		{"election ticks", `{"v":1,"options":{"election_ticks":1}}`, "election_ticks must be 2 to 1000"},
		{"heartbeat too slow", `{"v":1,"options":{"heartbeat_ticks":10}}`, "heartbeat_ticks must be 1 to election_ticks-1 (9), got 10"},
		{"latency one number", `{"v":1,"options":{"latency":[3]}}`, "latency must be [min, max] (2 numbers), got 1"},
		{"latency reversed", `{"v":1,"options":{"latency":[8,2]}}`, "latency [8, 2] must satisfy 0 <= min <= max"},
		{"latency huge", `{"v":1,"options":{"latency":[1,60001]}}`, "max <= 60000 ms"},
		{"drop above 1", `{"v":1,"options":{"drop":1.5}}`, "drop must be a probability in [0, 1], got 1.5"},
		{"negative duplicate", `{"v":1,"options":{"duplicate":-0.1}}`, "duplicate must be a probability"},
		{"too many clients", `{"v":1,"options":{"clients":101}}`, "clients must be 0 to 100"},
		{"no keys", `{"v":1,"options":{"client_keys":0}}`, "client_keys must be 1 to 1000"},
		{"think reversed", `{"v":1,"options":{"client_think":[5,1]}}`, "client_think [5, 1]"},
		{"client latency", `{"v":1,"options":{"client_latency":0}}`, "client_latency must be 1 to"},
		{"client timeout", `{"v":1,"options":{"client_timeout":0}}`, "client_timeout must be 1 to"},
		{"client tries", `{"v":1,"options":{"client_tries":0}}`, "client_tries must be 1 to 100"},
		{"unknown unsafe", `{"v":1,"options":{"unsafe":{"yolo":true}}}`, `unknown field "yolo"`},
		{"preset peer outside", `{"v":1,"start":{"peers":{"4":{"term":1}}}}`, "start: peers: peer 4 is not in the cluster (peers are 1..3)"},
		{"preset bad key", `{"v":1,"start":{"peers":{"x":{"term":1}}}}`, "cannot unmarshal"},
		{"down outside", `{"v":1,"start":{"down":[0]}}`, "start: down: peer 0 is not in the cluster"},
		{"down twice", `{"v":1,"start":{"down":[2,2]}}`, "peer 2 is listed twice"},
		{"term 0 entry", `{"v":1,"start":{"peers":{"1":{"term":1,"log":[1,0]}}}}`, "peer 1: log entry 2 has term 0"},
		{"terms decrease", `{"v":1,"start":{"peers":{"1":{"term":3,"log":[2,1]}}}}`, "log entry 2 has term 1, below the term 2 before it"},
		{"term below log", `{"v":1,"start":{"peers":{"1":{"term":1,"log":[1,2]}}}}`, "term 1 is below the term 2 of its last log entry"},
		{"commit beyond log", `{"v":1,"start":{"peers":{"1":{"term":1,"commit":2,"log":[1]}}}}`, "commit 2 is beyond its last log index 1"},
		{"vote outside", `{"v":1,"start":{"peers":{"1":{"term":1,"vote":5}}}}`, "vote for peer 5, which is not in the cluster"},
		{"vote without term", `{"v":1,"start":{"peers":{"1":{"vote":2}}}}`, "a vote needs a term above 0"},
		{"log matching", `{"v":1,"start":{"peers":{"1":{"term":3,"log":[1,3]},"2":{"term":3,"log":[2,3]}}}}`, "Log Matching"},
		{"committed disagree", `{"v":1,"start":{"peers":{"1":{"term":2,"commit":2,"log":[1,1]},"2":{"term":2,"commit":2,"log":[1,2]}}}}`, "peer 2 committed entry 2@2 but peer 1 committed 2@1"},
		{"unknown action", `{"v":1,"actions":[{"at":0,"type":"explode"}]}`, `action 0 (explode): unknown type "explode"`},
		{"crash outside", `{"v":1,"actions":[{"at":0,"type":"heal"},{"at":5,"type":"crash","peer":7}]}`, "sim: scenario: action 1 (crash): peer 7 is not in the cluster (peers are 1..3)"},
		{"crash without peer", `{"v":1,"actions":[{"at":0,"type":"crash"}]}`, `action 0 (crash): needs field "peer"`},
		{"crash with groups", `{"v":1,"actions":[{"at":0,"type":"crash","peer":1,"groups":[[1]]}]}`, `field "groups" does not apply to crash`},
		{"crash twice", `{"v":1,"actions":[{"at":0,"type":"crash","peer":1},{"at":1,"type":"crash","peer":1}]}`, "action 1 (crash): peer 1 is already down"},
		{"restart up peer", `{"v":1,"actions":[{"at":0,"type":"restart","peer":1}]}`, "peer 1 is not down"},
		{"timeout down peer", `{"v":1,"start":{"down":[2]},"actions":[{"at":0,"type":"timeout","peer":2}]}`, "action 0 (timeout): peer 2 is down"},
		{"out of order", `{"v":1,"actions":[{"at":10,"type":"heal"},{"at":5,"type":"heal"}]}`, "at 5 is before the previous action's at 10"},
		{"negative at", `{"v":1,"actions":[{"at":-1,"type":"heal"}]}`, "at -1 is outside"},
		{"at too late", `{"v":1,"actions":[{"at":1000000001,"type":"heal"}]}`, "at 1000000001 is outside [0, 1000000000] ms"},
		{"empty groups", `{"v":1,"actions":[{"at":0,"type":"partition","groups":[]}]}`, "groups is empty"},
		{"empty group", `{"v":1,"actions":[{"at":0,"type":"partition","groups":[[1],[]]}]}`, "group 1 is empty"},
		{"peer in two groups", `{"v":1,"actions":[{"at":0,"type":"partition","groups":[[1,2],[2,3]]}]}`, "peer 2 is in more than one group"},
		{"group peer outside", `{"v":1,"actions":[{"at":0,"type":"partition","groups":[[1,4]]}]}`, "peer 4 is not in the cluster"},
		{"block self", `{"v":1,"actions":[{"at":0,"type":"block","from":2,"to":2}]}`, "from and to are both peer 2"},
		{"block without to", `{"v":1,"actions":[{"at":0,"type":"block","from":2}]}`, `needs field "to"`},
		{"delay zero", `{"v":1,"actions":[{"at":0,"type":"delay","msg":3}]}`, `needs field "by"`},
		{"delay negative", `{"v":1,"actions":[{"at":0,"type":"delay","msg":3,"by":-5}]}`, "by must be 1 to 600000 ms, got -5"},
		{"drop no msg", `{"v":1,"actions":[{"at":0,"type":"drop"}]}`, `needs field "msg"`},
		{"bad command", `{"v":1,"actions":[{"at":0,"type":"client","peer":1,"cmd":"FLY x"}]}`, `unknown command "FLY"`},
		{"command args", `{"v":1,"actions":[{"at":0,"type":"client","peer":1,"cmd":"SET x"}]}`, "needs 2 arguments"},
		{"empty network", `{"v":1,"actions":[{"at":0,"type":"network"}]}`, "needs at least one of drop, duplicate, latency"},
		{"network bad drop", `{"v":1,"actions":[{"at":0,"type":"network","drop":2}]}`, "drop must be a probability in [0, 1], got 2"},
		{"network bad latency", `{"v":1,"actions":[{"at":0,"type":"network","latency":[1]}]}`, "latency must be [min, max]"},
		{"network with peer", `{"v":1,"actions":[{"at":0,"type":"network","drop":0,"peer":1}]}`, `field "peer" does not apply to network`},
		{"read no key", `{"v":1,"actions":[{"at":0,"type":"read","peer":1}]}`, `needs field "key"`},
		{"read spaced key", `{"v":1,"actions":[{"at":0,"type":"read","peer":1,"key":"a b"}]}`, "must be a token"},
		{"heal with msg", `{"v":1,"actions":[{"at":0,"type":"heal","msg":4}]}`, `field "msg" does not apply to heal`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseScenario([]byte(tt.json))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
			assert.True(t, errors.Is(err, ErrScenario), "error %q should wrap ErrScenario", err)
			assert.True(t, strings.HasPrefix(err.Error(), "sim: scenario: "), err.Error())
		})
	}
}

func TestParseScenarioLimits(t *testing.T) {
	big := make([]byte, MaxScenarioBytes+1)
	_, err := ParseScenario(big)
	require.ErrorIs(t, err, ErrScenario)
	assert.Contains(t, err.Error(), "larger than the limit")

	sc := NewScenario(1)
	sc.Actions = make([]Action, MaxActions+1)
	for i := range sc.Actions {
		sc.Actions[i] = Action{Type: ActHeal}
	}
	err = sc.Validate()
	require.ErrorIs(t, err, ErrScenario)
	assert.Contains(t, err.Error(), "100001 actions is more than the limit of 100000")

	sc = NewScenario(1)
	sc.Start.Peers = map[uint64]PeerStart{1: {Term: 1, Log: make([]uint64, MaxPresetLog+1)}}
	for i := range sc.Start.Peers[1].Log {
		sc.Start.Peers[1].Log[i] = 1
	}
	err = sc.Validate()
	require.ErrorIs(t, err, ErrScenario)
	assert.Contains(t, err.Error(), "log of 10001 entries is longer than the limit of 10000")
}

func TestScenarioCloneIsDeep(t *testing.T) {
	sc := fullScenario()
	cp := sc.Clone()
	cp.Options.Latency[0] = 99
	cp.Start.Peers[1].Log[0] = 99
	cp.Actions[2].Groups[0][0] = 99
	*cp.Actions[9].Drop = 0.9
	assert.Equal(t, fullScenario(), sc)
}

func FuzzParseScenario(f *testing.F) {
	seed, err := fullScenario().Marshal()
	require.NoError(f, err)
	f.Add(seed)
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"seed":3,"options":{"peers":5,"latency":[0,0]},"actions":[{"at":0,"type":"partition","groups":[[1,2],[3]]}]}`))
	f.Add([]byte(`{"v":1,"start":{"peers":{"1":{"term":2,"commit":1,"log":[1,2]}},"down":[2]}}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, data []byte) {
		sc, err := ParseScenario(data)
		if err != nil {
			require.ErrorIs(t, err, ErrScenario)
			return
		}
		// A valid scenario survives a round trip and starts a cluster.
		out, err := sc.Marshal()
		require.NoError(t, err)
		back, err := ParseScenario(out)
		require.NoError(t, err)
		require.Equal(t, sc, back)
		_, err = NewWithConfig(sc, RunConfig{})
		require.NoError(t, err)
	})
}
