package docs

import (
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// root is the repository, seen from this package's folder.
const root = ".."

// skipDirs are folders that hold build output, downloads or local data, not sources.
var skipDirs = []string{".git", "node_modules", "dist", "build", "bin", "test-artifacts", ".wrangler", "raftplay-data"}

// repoFiles lists every file of the repository as a slash path from its root.
func repoFiles(t *testing.T) []string {
	t.Helper()
	var files []string
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, err := filepath.Rel(root, p)
		if err != nil {
			return err
		}
		rel = filepath.ToSlash(rel)
		if d.IsDir() {
			if rel != "." && (slices.Contains(skipDirs, d.Name()) || strings.HasPrefix(d.Name(), ".dist-build")) {
				return filepath.SkipDir
			}
			return nil
		}
		files = append(files, rel)
		return nil
	})
	require.NoError(t, err)
	return files
}

// documents returns the files whose references are checked: the Markdown guides and
// the Go files that carry a package's doc comment.
func documents(t *testing.T, files []string) []string {
	t.Helper()
	var docs []string
	for _, f := range files {
		switch {
		case f == "README.md", f == "lessons/README.md", f == "bench/README.md",
			path.Dir(f) == "docs" && strings.HasSuffix(f, ".md"):
			docs = append(docs, f)
		case strings.HasSuffix(f, ".go") && !strings.HasSuffix(f, "_test.go"):
			if strings.Contains("\n"+read(t, f), "\n// Package ") {
				docs = append(docs, f)
			}
		}
	}
	require.Contains(t, docs, "docs/DESIGN.md")
	require.Contains(t, docs, "engine/doc.go")
	return docs
}

func read(t *testing.T, rel string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(rel)))
	require.NoError(t, err)
	return string(b)
}

// exists reports whether the slash path rel (from the repository root) names a file or
// folder.
func exists(rel string) bool {
	_, err := os.Stat(filepath.Join(root, filepath.FromSlash(rel)))
	return err == nil
}

var mdLink = regexp.MustCompile(`\]\(([^)\s]+)\)`)

// TestMarkdownLinksResolve checks every relative link of the Markdown documents.
func TestMarkdownLinksResolve(t *testing.T) {
	files := repoFiles(t)
	checked := 0
	for _, doc := range documents(t, files) {
		if !strings.HasSuffix(doc, ".md") {
			continue
		}
		for _, m := range mdLink.FindAllStringSubmatch(read(t, doc), -1) {
			target, _, _ := strings.Cut(m[1], "#")
			if target == "" || strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			checked++
			rel := path.Join(path.Dir(doc), target)
			assert.True(t, !strings.HasPrefix(rel, "..") && exists(rel), "%s links to %s, which is not in the repository", doc, m[1])
		}
	}
	assert.Greater(t, checked, 10, "the documents have relative links")
}

// fileName matches a word that names a file by its extension or a path inside the
// repository: engine/doc.go, page.json, lessons/README.md, web/test/.
var (
	fileName   = regexp.MustCompile(`^[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*/?$`)
	extensions = []string{".go", ".md", ".json", ".js", ".mjs", ".sh", ".toml", ".html", ".css", ".txt", ".mod"}
)

// citedNames returns the words of text that name a repository file or folder: a word
// with a file extension, or a path whose first element is a top-level entry of the
// repository. URLs and absolute paths are not words of this kind.
func citedNames(text string, topLevel []string) []string {
	var names []string
	for _, w := range strings.FieldsFunc(text, func(r rune) bool {
		return strings.ContainsRune(" \t\n`\"'()[]{}<>,;:*|=", r)
	}) {
		w = strings.TrimRight(w, ".")
		if w == "" || !fileName.MatchString(w) || strings.HasPrefix(w, ".") && !strings.HasPrefix(w, ".ci/") {
			continue
		}
		first, _, hasSlash := strings.Cut(w, "/")
		switch {
		case hasSlash && slices.Contains(topLevel, first):
			names = append(names, w)
		case !hasSlash && slices.Contains(extensions, path.Ext(w)) && path.Ext(w) != w:
			names = append(names, w)
		}
	}
	return names
}

// TestCitedFilesExist checks that every file or folder the documents name by its path
// exists: relative to the repository root, or to the document's own folder (a package
// doc naming its own wire.go), or, for a bare file name, as a file somewhere in the
// repository whose name is unique enough to find.
func TestCitedFilesExist(t *testing.T) {
	files := repoFiles(t)
	entries, err := os.ReadDir(root)
	require.NoError(t, err)
	var topLevel []string
	for _, e := range entries {
		if !slices.Contains(skipDirs, e.Name()) {
			topLevel = append(topLevel, e.Name())
		}
	}
	// Words that look like file names but name no file of the repository: files the
	// build makes or Go provides, a command's output file, a pattern, a product.
	notFiles := []string{"app.wasm", "lessons.json", "wasm_exec.js", "new.txt", "NN-id.md", "Node.js"}
	checked := 0
	for _, doc := range documents(t, files) {
		for _, name := range citedNames(read(t, doc), topLevel) {
			if slices.Contains(notFiles, path.Base(name)) {
				continue
			}
			checked++
			trimmed := strings.TrimSuffix(name, "/")
			found := exists(trimmed) || exists(path.Join(path.Dir(doc), trimmed))
			if !found && !strings.Contains(trimmed, "/") {
				found = slices.ContainsFunc(files, func(f string) bool { return path.Base(f) == trimmed })
			}
			assert.True(t, found, "%s cites %s, which is not in the repository", doc, name)
		}
	}
	assert.Greater(t, checked, 20, "the documents cite files")
}

// TestDesignIsCitedInTheRepository checks that no file points at a design document
// outside the repository: every mention of DESIGN.md is docs/DESIGN.md (or, inside
// docs/, a link to its neighbour).
func TestDesignIsCitedInTheRepository(t *testing.T) {
	bare := regexp.MustCompile(`(^|[^/A-Za-z0-9_.-])DESIGN\.md`)
	for _, f := range repoFiles(t) {
		if path.Dir(f) == "docs" || !slices.Contains([]string{".go", ".md", ".js", ".mjs", ".sh", ".html", ".css", ".toml"}, path.Ext(f)) && path.Base(f) != "Makefile" {
			continue
		}
		for i, line := range strings.Split(read(t, f), "\n") {
			assert.False(t, bare.MatchString(line), "%s:%d cites DESIGN.md outside docs/: write docs/DESIGN.md\n\t%s", f, i+1, strings.TrimSpace(line))
		}
	}
}

// TestCitedNamesFindsPaths pins what the scanner counts as a file name, so that a
// change to it cannot quietly make the checks above vacuous.
func TestCitedNamesFindsPaths(t *testing.T) {
	top := []string{"engine", "lessons", "web", ".ci"}
	text := "See [`engine/doc.go`](engine/doc.go), wire.go and lessons/page.json, `web/test/`. " +
		"Not http://x.example/engine/a.go, /usr/bin/chromium, raftplay-data/node1, engine.Peer, <id>.json or 1.5 s."
	assert.Equal(t, []string{"engine/doc.go", "engine/doc.go", "wire.go", "lessons/page.json", "web/test/"}, citedNames(text, top))
}
