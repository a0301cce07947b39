package engine_test

import (
	"reflect"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/raftplay/raftplay/engine"
)

// kebab spells a Go field name as a script argument: ElectionTicks is election-ticks,
// MaxSizePerMsg is max-size-per-msg.
func kebab(field string) string {
	var b strings.Builder
	for i, r := range field {
		if r >= 'A' && r <= 'Z' {
			if i > 0 {
				b.WriteByte('-')
			}
			r += 'a' - 'A'
		}
		b.WriteRune(r)
	}
	return b.String()
}

// TestScriptArgsNameConfigFields keeps the scripts' setting names those of the Config
// fields they set, so that a reader of a script finds the field by its name.
func TestScriptArgsNameConfigFields(t *testing.T) {
	fields := func(v any) []string {
		var names []string
		typ := reflect.TypeOf(v)
		for i := range typ.NumField() {
			names = append(names, kebab(typ.Field(i).Name))
		}
		return names
	}
	config, unsafe := fields(engine.Config{}), fields(engine.UnsafeConfig{})
	for _, arg := range clusterConfigArgs {
		assert.Contains(t, config, arg, "cluster %s= sets no engine.Config field of that name", arg)
	}
	for _, rule := range unsafeRules {
		assert.Contains(t, unsafe, rule, "unsafe=(%s) names no engine.UnsafeConfig field", rule)
	}
	assert.Equal(t, "max-inflight-snapshot-chunks", kebab("MaxInflightSnapshotChunks"))
}
