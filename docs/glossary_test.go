package docs

import (
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/raftplay/raftplay/engine"
	"github.com/raftplay/raftplay/node"
	"github.com/raftplay/raftplay/sim"
)

// glossaryTypes are the types the glossary's second column may name, by the name a
// reader writes.
var glossaryTypes = map[string]reflect.Type{
	"engine.Peer":             reflect.TypeFor[engine.Peer](),
	"engine.Config":           reflect.TypeFor[engine.Config](),
	"engine.Status":           reflect.TypeFor[engine.Status](),
	"engine.SoftState":        reflect.TypeFor[engine.SoftState](),
	"engine.Event":            reflect.TypeFor[engine.Event](),
	"engine.Role":             reflect.TypeFor[engine.Role](),
	"engine.Entry":            reflect.TypeFor[engine.Entry](),
	"engine.HardState":        reflect.TypeFor[engine.HardState](),
	"engine.ConfState":        reflect.TypeFor[engine.ConfState](),
	"engine.ReplicationState": reflect.TypeFor[engine.ReplicationState](),
	"engine.SnapshotMeta":     reflect.TypeFor[engine.SnapshotMeta](),
	"sim.PeerState":           reflect.TypeFor[sim.PeerState](),
	"sim.Replication":         reflect.TypeFor[sim.Replication](),
	"sim.Options":             reflect.TypeFor[sim.Options](),
	"node.Config":             reflect.TypeFor[node.Config](),
	"node.Status":             reflect.TypeFor[node.Status](),
	"node.PeerStatus":         reflect.TypeFor[node.PeerStatus](),
}

// jsonRoots are the structs whose JSON the glossary's third column names: the
// simulator's snapshot, trace and scenario, a node's /status and /events.
var jsonRoots = []reflect.Type{
	reflect.TypeFor[sim.Snapshot](), reflect.TypeFor[sim.TraceEvent](), reflect.TypeFor[sim.Scenario](),
	reflect.TypeFor[node.Status](), reflect.TypeFor[node.Event](),
}

// legacyKeys are older spellings the glossary names on purpose; the code still reads
// them (lessons/check_legacy.go, sim/options_legacy.go).
var legacyKeys = map[string]bool{"state": true, "electionTicks": true}

// jsonKeys collects the JSON keys of t and of every struct it holds.
func jsonKeys(t reflect.Type, keys map[string]bool, seen map[reflect.Type]bool) {
	for t.Kind() == reflect.Pointer || t.Kind() == reflect.Slice || t.Kind() == reflect.Array || t.Kind() == reflect.Map {
		t = t.Elem()
	}
	if t.Kind() != reflect.Struct || seen[t] {
		return
	}
	seen[t] = true
	for i := range t.NumField() {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name != "" && name != "-" {
			keys[name] = true
		}
		if f.IsExported() || f.Anonymous {
			jsonKeys(f.Type, keys, seen)
		}
	}
}

// glossaryRows returns the cells of the Glossary table of docs/DESIGN.md.
func glossaryRows(t *testing.T) [][]string {
	t.Helper()
	data, err := os.ReadFile("DESIGN.md")
	require.NoError(t, err)
	_, section, ok := strings.Cut(string(data), "\n## Glossary\n")
	require.True(t, ok, "docs/DESIGN.md has a Glossary section")
	section, _, _ = strings.Cut(section, "\n## ")
	var rows [][]string
	for _, line := range strings.Split(section, "\n") {
		if !strings.HasPrefix(line, "| ") || strings.HasPrefix(line, "|---") {
			continue
		}
		cells := strings.Split(strings.Trim(line, "| "), " | ")
		require.Len(t, cells, 4, "a glossary row has four cells: %s", line)
		rows = append(rows, cells)
	}
	require.Greater(t, len(rows), 10, "the glossary table has its rows")
	return rows[1:] // the header
}

var codeSpan = regexp.MustCompile("`([^`]+)`")

func spans(cell string) []string {
	var out []string
	for _, m := range codeSpan.FindAllStringSubmatch(cell, -1) {
		out = append(out, m[1])
	}
	return out
}

// TestGlossaryIdentifiersExist: every type, field and method the glossary names is in
// the code.
func TestGlossaryIdentifiersExist(t *testing.T) {
	for _, row := range glossaryRows(t) {
		for _, id := range spans(row[1]) {
			parts := strings.Split(strings.TrimSuffix(id, "()"), ".")
			require.GreaterOrEqual(t, len(parts), 2, "%q is package.Type[.Member]", id)
			typ, ok := glossaryTypes[parts[0]+"."+parts[1]]
			if !assert.True(t, ok, "glossary row %q names %s, a type the test does not know", row[0], id) || len(parts) == 2 {
				continue
			}
			member := parts[2]
			if strings.HasSuffix(id, "()") {
				_, ok = reflect.PointerTo(typ).MethodByName(member)
				assert.True(t, ok, "glossary row %q: %s has no method %s", row[0], typ, member)
				continue
			}
			_, ok = typ.FieldByName(member)
			assert.True(t, ok, "glossary row %q: %s has no field %s", row[0], typ, member)
		}
	}
}

// TestGlossaryJSONKeysExist: every key in the glossary's JSON column is written by one
// of the structs that make the JSON, so the table cannot drift from the tags.
func TestGlossaryJSONKeysExist(t *testing.T) {
	keys := map[string]bool{}
	seen := map[reflect.Type]bool{}
	for _, root := range jsonRoots {
		jsonKeys(root, keys, seen)
	}
	require.True(t, keys["role"] && keys["cluster_id"] && keys["match_index"], "the key set is read")
	for _, row := range glossaryRows(t) {
		for _, span := range spans(row[2]) {
			if strings.HasPrefix(span, "/") {
				continue // an HTTP path, not a key
			}
			for _, part := range strings.Split(span, ".") {
				key := strings.TrimSuffix(part, "[]")
				assert.True(t, keys[key] || legacyKeys[key], "glossary row %q names the JSON key %q, which no struct writes", row[0], key)
			}
		}
	}
}

// TestGlossaryAttributesExist: every data- attribute in the glossary's page column is
// one the page's scripts set.
func TestGlossaryAttributesExist(t *testing.T) {
	var scripts strings.Builder
	files, err := filepath.Glob(filepath.Join(root, "web", "js", "*.js"))
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		scripts.Write(data)
	}
	for _, row := range glossaryRows(t) {
		for _, span := range spans(row[3]) {
			if strings.HasPrefix(span, "data-") {
				assert.Contains(t, scripts.String(), "'"+span+"'", "glossary row %q: no script sets %s", row[0], span)
			}
		}
	}
}
