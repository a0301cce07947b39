package engine_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const sampleScript = `# a comment

cluster voters=3 unsafe=(commit-old-terms, skip-up-to-date-check)
3 term=2 log=(1, 2)
----

# another comment
propose 1 cmd="SET x 1" count=2
----
line one
line two

status
----
----
first

after a blank line
----
----
`

func TestParseScript(t *testing.T) {
	cmds, err := parseScript("sample.txt", sampleScript)
	require.NoError(t, err)
	require.Len(t, cmds, 3)

	assert.Equal(t, "sample.txt:3", cmds[0].pos)
	assert.Equal(t, "cluster", cmds[0].name)
	assert.Equal(t, []scriptArg{{key: "voters", vals: []string{"3"}},
		{key: "unsafe", vals: []string{"commit-old-terms", "skip-up-to-date-check"}}}, cmds[0].args)
	assert.Equal(t, []string{"3 term=2 log=(1, 2)"}, cmds[0].input)
	assert.Empty(t, cmds[0].want)

	assert.Equal(t, "sample.txt:8", cmds[1].pos)
	assert.Equal(t, []scriptArg{{vals: []string{"1"}}, {key: "cmd", vals: []string{"SET x 1"}},
		{key: "count", vals: []string{"2"}}}, cmds[1].args)
	assert.Equal(t, []string{"1"}, cmds[1].bare())
	assert.Equal(t, "line one\nline two\n", cmds[1].want)

	assert.Equal(t, "first\n\nafter a blank line\n", cmds[2].want, "fenced output keeps its blank line")
}

func TestRewriteScript(t *testing.T) {
	cmds, err := parseScript("sample.txt", sampleScript)
	require.NoError(t, err)
	same := []string{cmds[0].want, cmds[1].want, cmds[2].want}
	assert.Equal(t, sampleScript, rewriteScript(cmds, same), "rewriting with the expected outputs changes nothing")

	changed := rewriteScript(cmds, []string{"now\n\nfenced\n", "", "plain\n"})
	again, err := parseScript("sample.txt", changed)
	require.NoError(t, err)
	require.Len(t, again, 3)
	assert.Equal(t, "now\n\nfenced\n", again[0].want)
	assert.Empty(t, again[1].want)
	assert.Equal(t, "plain\n", again[2].want)
	assert.Contains(t, changed, "----\n----\nnow\n\nfenced\n----\n----\n")
	assert.Contains(t, changed, "# another comment\n", "comments survive a rewrite")
}

func TestParseScriptErrors(t *testing.T) {
	for name, tc := range map[string]struct{ text, err string }{
		"no separator":      {"cluster\n", `x.txt:1: command "cluster" has no "----" line before its output`},
		"blank before sep":  {"cluster\n\n----\n", `x.txt:1: command "cluster" has no "----" line before its output`},
		"unclosed list":     {"cluster unsafe=(a\n----\n", `x.txt:1: unclosed quote or parenthesis in "cluster unsafe=(a"`},
		"unclosed quote":    {"propose 1 cmd=\"x\n----\n", `x.txt:1: unclosed quote or parenthesis in "propose 1 cmd=\"x"`},
		"stray parenthesis": {"tick 1)\n----\n", `x.txt:1: unbalanced ')' in "tick 1)"`},
		"open fence":        {"status\n----\n----\nx\n", `x.txt:1: fenced output of "status" does not end with two "----" lines`},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := parseScript("x.txt", tc.text)
			assert.EqualError(t, err, tc.err)
		})
	}
}

// A mistake in a script is an error naming it, never a panic or a silently ignored word.
func TestScriptDriverErrors(t *testing.T) {
	for name, tc := range map[string]struct{ script, err string }{
		"before cluster":   {"tick 1\n----\n", `"tick" before cluster: a script starts with the cluster command`},
		"unknown command":  {"cluster\n----\n\nfly 1\n----\n", `unknown command "fly" (testdata/README.md lists them)`},
		"unknown argument": {"cluster prevote=false\n----\n", `cluster has no argument "prevote" (it takes voters, seed, pre-vote, check-quorum, election-ticks, heartbeat-ticks, max-size-per-msg, max-inflight-msgs, snapshot-chunk-size, max-inflight-snapshot-chunks, unsafe)`},
		"bad boolean":      {"cluster pre-vote=maybe\n----\n", `cluster: pre-vote wants true or false: strconv.ParseBool: parsing "maybe": invalid syntax`},
		"unknown rule":     {"cluster unsafe=(no-rules)\n----\n", `cluster: unknown unsafe rule "no-rules" (commit-old-terms, skip-up-to-date-check, direct-config-change)`},
		"bad config":       {"cluster election-ticks=1\n----\n", `cluster: config: ElectionTicks (1) must be greater than HeartbeatTicks (1)`},
		"preset stranger":  {"cluster\n4 term=1\n----\n", `cluster: preset line "4 term=1": "4" is not a peer of the cluster`},
		"not a peer":       {"cluster\n----\n\ncampaign 7\n----\n", `campaign: "7" is not a peer of the cluster`},
		"crashed peer":     {"cluster\n----\n\ncrash 2\n----\n\ncampaign 2\n----\n", `campaign: peer 2 is crashed`},
		"no match":         {"cluster\n----\n\ndeliver-one type=Heartbeat\n----\n", `deliver-one: no queued message matches`},
		"bad type":         {"cluster\n----\n\ndrop type=Gossip\n----\n", `drop: unknown message type "Gossip"`},
		"propose no cmd":   {"cluster\n----\n\npropose 1\n----\n", `propose: give the command as cmd="..."`},
		"restart running":  {"cluster\n----\n\nrestart 1\n----\n", `restart: peer 1 is running; crash it first`},
		"failed check":     {"cluster\n----\n\ncheck 1 role=leader term=0\n----\n", `check: peer 1 has role "follower", want "leader"`},
	} {
		t.Run(name, func(t *testing.T) {
			cmds, err := parseScript("x.txt", tc.script)
			require.NoError(t, err)
			d := &scriptDriver{t: t}
			for _, c := range cmds[:len(cmds)-1] {
				_, err := d.run(c)
				require.NoError(t, err)
			}
			_, err = d.run(cmds[len(cmds)-1])
			assert.EqualError(t, err, tc.err)
		})
	}
}
