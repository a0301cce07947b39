package lessons

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestNewLessonsRefuseWrongMoves plays plausible wrong moves on the action steps of
// lessons 14 to 17 (the step before played by its reference path) and verifies that
// the check does not pass: a retry without the session, a write without the
// duplicate, a partition on the wrong side.
func TestNewLessonsRefuseWrongMoves(t *testing.T) {
	tests := []struct {
		lesson string
		step   int
		moves  []string
		why    string
	}{
		{"exactly-once", 2, []string{"client leader SET x a", "wait 3", "crash leader"}, "crashed after the answer came back"},
		{"exactly-once", 2, []string{"client leader SET x a", "wait 1", "crash 1"}, "crashed a follower"},
		{"exactly-once", 5, []string{"client leader SET x c"}, "another write, not the retry"},
		{"exactly-once", 7, []string{"client leader SET x a", "wait 1", "crash leader"}, "no session"},
		{"exactly-once", 8, []string{"wait 40", "client leader SET x b", "wait 5", "client leader SET x a"}, "the retry without its session"},
		{"exactly-once", 8, []string{"wait 40", "client leader SET x b", "wait 5", "client leader SET x a session 7 2"}, "a new request number is a new command"},
		{"timing", 2, []string{"crash 2"}, "no slower network"},
		{"timing", 3, []string{"restart 2", "latency 150 250"}, "the leader was not crashed"},
		{"timing", 3, []string{"restart 2", "latency 40 60", "crash leader"}, "a network that is slow but not slower than the timeout"},
		{"duplicates-and-stale-replies", 2, []string{"client 2 SET x 1"}, "no duplicate"},
		{"duplicates-and-stale-replies", 2, []string{"client 2 SET x 1", "duplicate AppendEntries 2 1"}, "duplicated to the other follower"},
		{"duplicates-and-stale-replies", 3, []string{"client 2 SET y 2", "duplicate AppendEntries 2 3", "client 2 SET z 3"}, "the copy is not delayed"},
		{"five-servers", 2, []string{"partition 1 2 3 4 | 5", "timeout 5"}, "one server cut off, not two"},
		{"five-servers", 4, []string{"partition 2 | 1 3 4 5", "client 2 SET y 2"}, "the leader alone: S1 need not win"},
		{"five-servers", 4, []string{"partition 2 3 | 1 4 5"}, "no write at the old leader"},
	}
	for _, tc := range tests {
		t.Run(tc.lesson+"/"+tc.why, func(t *testing.T) {
			l, err := Get(tc.lesson)
			require.NoError(t, err)
			r, err := NewRunner(l)
			require.NoError(t, err)
			require.NoError(t, r.GoTo(tc.step-1))
			for _, text := range tc.moves {
				m, err := ParseMove(text, len(r.Cluster().State().Peers))
				require.NoError(t, err, text)
				if err := r.Do(m); err != nil {
					return // the wrong move cannot even be made: it does not pass either
				}
			}
			_, passed := r.RunUntilPassed(r.Step().WithinTicks)
			_, detail := r.Check()
			assert.False(t, passed, "step %d passed with a wrong move (%s): %s", tc.step, tc.why, detail)
		})
	}
}
