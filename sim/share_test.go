package sim

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShareLinkRoundTrip(t *testing.T) {
	sc := NewScenario(42)
	sc.Options.Clients = 2
	sc.Actions = []Action{{At: 500, Type: ActCrash, Peer: 1}, {At: 900, Type: ActRestart, Peer: 1}}
	link, err := ShareLink("http://127.0.0.1:8080/#old", sc)
	require.NoError(t, err)
	assert.True(t, strings.HasPrefix(link, "http://127.0.0.1:8080/#s=1."), link)

	_, frag, _ := strings.Cut(link, "#")
	got, err := ParseShareFragment("#" + frag)
	require.NoError(t, err)
	assert.Equal(t, sc.Seed, got.Seed)
	assert.Equal(t, sc.Actions, got.Actions)
	assert.Equal(t, sc.Options.Clients, got.Options.Clients)
}

func TestParseShareFragmentErrors(t *testing.T) {
	for _, tc := range []struct{ fragment, want string }{
		{"x=1.abc", "does not start with"},
		{"s=2.abc", "unknown encoding version \"2\""},
		{"s=1abc", "unknown encoding version"},
		{"s=1.%%%", "not base64url"},
		{"s=1.bm90IGpzb24", "scenario"}, // "not json"
	} {
		t.Run(tc.fragment, func(t *testing.T) {
			_, err := ParseShareFragment(tc.fragment)
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrScenario)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func FuzzParseShareFragment(f *testing.F) {
	f.Add("s=1.eyJ2IjoxLCJzZWVkIjoxfQ")
	f.Add("#s=1.")
	f.Add("s=9.xx")
	f.Fuzz(func(t *testing.T, fragment string) {
		sc, err := ParseShareFragment(fragment)
		if err != nil {
			return
		}
		again, err := ShareFragment(sc)
		require.NoError(t, err)
		_, err = ParseShareFragment(again)
		require.NoError(t, err)
	})
}
