package bridge

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"testing"

	"github.com/raftplay/raftplay/internal/jsonlite/jsonfill"
	"github.com/stretchr/testify/require"
)

// The bridge's hand-written answers (json.go) against json.Marshal of the same views,
// with every field filled at random: byte for byte the same.

func fillView(rng *rand.Rand, v reflect.Value) {
	f := jsonfill.Filler{Rand: rng,
		Strings: []string{"", "S1", "<p>a &amp; b</p>", "line\nsep \u2028 \"q\" \\", "\xff\x01"},
		Ints:    []int64{0, 1, -3, 1 << 53},
		Uints:   []uint64{0, 2, 1<<64 - 1}}
	f.Fill(v)
}

func TestAnswersMatchEncodingJSON(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	views := []func() view{
		func() view { return new(position) }, func() view { return new(addedServer) },
		func() view { return new(timelineInfo) }, func() view { return new(okView) },
		func() view { return new(outlines) }, func() view { return new(lessonView) },
		func() view { return new(statusView) },
	}
	for i := range 2000 {
		v := views[i%len(views)]()
		fillView(rng, reflect.ValueOf(v).Elem())
		want, err := json.Marshal(v)
		require.NoError(t, err)
		if list, ok := v.(*outlines); ok { // a named slice: written through the value
			v = *list
		}
		got, err := encode(v)
		require.NoError(t, err)
		require.Equal(t, string(want), got, "%T %d", v, i)
	}
}

func TestErrorJSONMatchesEncodingJSON(t *testing.T) {
	for _, msg := range []string{"", `act: invalid action JSON: json: unknown field "node"`, "<script>&\u2028\xff"} {
		want, err := json.Marshal(struct {
			Error string `json:"error"`
		}{msg})
		require.NoError(t, err)
		require.Equal(t, string(want), errorJSON(errors.New(msg)))
	}
}
