package docs

import (
	"go/parser"
	"go/token"
	"os"
	"path"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const module = "github.com/raftplay/raftplay/"

// projectImports returns, for every package of the module (by its folder), the other
// packages of the module its non-test files import. Build tags are ignored, so the
// GOOS=js packages count too. bench/ is its own module and is left out.
func projectImports(t *testing.T) map[string][]string {
	t.Helper()
	graph := map[string][]string{}
	fset := token.NewFileSet()
	for _, f := range repoFiles(t) {
		dir := path.Dir(f)
		if !strings.HasSuffix(f, ".go") || strings.HasSuffix(f, "_test.go") ||
			dir == "bench" || strings.HasPrefix(dir, "bench/") || strings.Contains(f, "/testdata/") {
			continue
		}
		src, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(f)))
		require.NoError(t, err)
		file, err := parser.ParseFile(fset, f, src, parser.ImportsOnly)
		require.NoError(t, err, "parse %s", f)
		if _, ok := graph[dir]; !ok {
			graph[dir] = []string{}
		}
		for _, imp := range file.Imports {
			p := strings.Trim(imp.Path.Value, `"`)
			if rest, ok := strings.CutPrefix(p, module); ok && !slices.Contains(graph[dir], rest) {
				graph[dir] = append(graph[dir], rest)
			}
		}
	}
	for _, imps := range graph {
		slices.Sort(imps)
	}
	return graph
}

// documentedImports reads the table under "### Import direction" in DESIGN.md: each
// row names packages (comma-separated) and what they import ("none" or a list).
func documentedImports(t *testing.T) map[string][]string {
	t.Helper()
	_, section, ok := strings.Cut(read(t, "docs/DESIGN.md"), "\n### Import direction\n")
	require.True(t, ok, "DESIGN.md has an Import direction section")
	section, _, _ = strings.Cut(section, "\n#")
	list := func(cell string) []string {
		out := []string{}
		for _, name := range strings.Split(cell, ",") {
			name = strings.Trim(strings.TrimSpace(name), "`")
			if name != "" && name != "none" {
				out = append(out, name)
			}
		}
		slices.Sort(out)
		return out
	}
	table := map[string][]string{}
	for _, line := range strings.Split(section, "\n") {
		cells := strings.Split(line, "|")
		if len(cells) != 4 || strings.HasPrefix(cells[1], "-") || strings.TrimSpace(cells[1]) == "package" {
			continue
		}
		for _, pkg := range list(cells[1]) {
			require.NotContains(t, table, pkg, "DESIGN.md lists %s twice", pkg)
			table[pkg] = list(cells[2])
		}
	}
	return table
}

// TestImportDirectionIsDocumented checks the import table of DESIGN.md against the code:
// every package is listed with exactly the project packages it imports. A new arrow
// has to be written down, where a reader can ask whether it points the right way.
func TestImportDirectionIsDocumented(t *testing.T) {
	got, want := projectImports(t), documentedImports(t)
	require.Contains(t, got, "engine")
	assert.Empty(t, got["engine"], "the engine imports nothing of this project")
	assert.Equal(t, want, got, "DESIGN.md's import table (left) differs from the imports of the code (right)")
}
