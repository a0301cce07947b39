package sim

import (
	"encoding/base64"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// oldScenario is a scenario as share links spelled it before the options moved to
// snake_case: every option and unsafe switch in camelCase.
const oldScenario = `{"v":1,"seed":7,"options":{"peers":5,"electionTicks":20,"heartbeatTicks":3,
"preVote":false,"checkQuorum":false,"clients":1,"clientKeys":4,"clientThink":[1,9],"clientLatency":2,
"clientTimeout":400,"clientTries":3,"maxMsgBytes":1,"maxInflight":2,
"unsafe":{"skipUpToDateCheck":true,"commitOldTerms":true,"forgetVoteOnRestart":true,"readBeforeTermCommit":true}}}`

const newScenario = `{"v":1,"seed":7,"options":{"peers":5,"election_ticks":20,"heartbeat_ticks":3,
"pre_vote":false,"check_quorum":false,"clients":1,"client_keys":4,"client_think":[1,9],"client_latency":2,
"client_timeout":400,"client_tries":3,"max_msg_bytes":1,"max_inflight":2,
"unsafe":{"skip_up_to_date_check":true,"commit_old_terms":true,"forget_vote_on_restart":true,"read_before_term_commit":true}}}`

// TestOldShareLinksStillRead checks that a scenario with the camelCase options of old
// share links reads as the same scenario in today's spelling, from JSON and from a
// share fragment, and is written back in today's spelling.
func TestOldShareLinksStillRead(t *testing.T) {
	old, err := ParseScenario([]byte(oldScenario))
	require.NoError(t, err)
	now, err := ParseScenario([]byte(newScenario))
	require.NoError(t, err)
	assert.Equal(t, now, old)
	assert.Equal(t, 20, old.Options.ElectionTicks)
	assert.True(t, old.Options.Unsafe.ReadBeforeTermCommit)

	fromLink, err := ParseShareFragment("#s=1." + base64.RawURLEncoding.EncodeToString([]byte(oldScenario)))
	require.NoError(t, err)
	assert.Equal(t, now, fromLink)

	data, err := old.Marshal()
	require.NoError(t, err)
	assert.Contains(t, string(data), `"election_ticks":20`)
	assert.Contains(t, string(data), `"read_before_term_commit":true`)
	assert.NotContains(t, string(data), "electionTicks")
}

// TestOptionsSpelledTwiceOrUnknownAreRefused checks the errors of the options' keys.
func TestOptionsSpelledTwiceOrUnknownAreRefused(t *testing.T) {
	_, err := ParseScenario([]byte(`{"v":1,"options":{"preVote":false,"pre_vote":true}}`))
	assert.ErrorContains(t, err, `both "pre_vote" and its older spelling "preVote" are given`)
	_, err = ParseScenario([]byte(`{"v":1,"options":{"unsafe":{"commitOldTerms":true,"commit_old_terms":true}}}`))
	assert.ErrorContains(t, err, `both "commit_old_terms" and its older spelling "commitOldTerms"`)
	_, err = ParseScenario([]byte(`{"v":1,"options":{"electionTick":20}}`))
	assert.ErrorContains(t, err, `unknown field "electionTick"`)
	_, err = ParseScenario([]byte(`{"v":1,"options":{"unsafe":{"skipEverything":true}}}`))
	assert.ErrorContains(t, err, `unknown field "skipEverything"`)
}
