package sim

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// BenchmarkStateJSON is the bridge's cost per frame for its snapshot (state()), by the
// hand-written encoder and by encoding/json, on a five-peer run with clients and logs
// of hundreds of entries: `go test ./sim -run '^$' -bench StateJSON -count 6`, then
// benchstat.
func BenchmarkStateJSON(b *testing.B) {
	sc := NewScenario(11)
	sc.Options.Peers, sc.Options.Clients, sc.Options.Drop = 5, 3, 0.02
	c, err := New(sc)
	require.NoError(b, err)
	c.RunUntil(5000)
	st := c.State()
	b.Run("impl=jsonlite", func(b *testing.B) {
		b.ReportAllocs()
		var buf []byte
		for b.Loop() {
			buf, err = st.AppendJSON(buf[:0])
			if err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(buf)))
	})
	b.Run("impl=encoding_json", func(b *testing.B) {
		b.ReportAllocs()
		var out []byte
		for b.Loop() {
			if out, err = json.Marshal(st); err != nil {
				b.Fatal(err)
			}
		}
		b.SetBytes(int64(len(out)))
	})
}
