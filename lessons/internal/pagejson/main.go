// Command pagejson writes the lessons as the WebAssembly build of the page embeds them
// (lessons.PageJSON), from the lesson files in the current directory. `go generate
// ./lessons` runs it to refresh lessons/page.json after a lesson changed; the dist
// build runs it with -o to a file outside the tree, so that building the page never
// rewrites a tracked file.
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/raftplay/raftplay/lessons"
)

func main() {
	out := flag.String("o", "page.json", "the file to write")
	flag.Parse()
	if err := run(*out); err != nil {
		fmt.Fprintln(os.Stderr, "pagejson:", err)
		os.Exit(1)
	}
}

func run(out string) error {
	list, err := lessons.ParseFS(os.DirFS("."))
	if err != nil {
		return err
	}
	data, err := lessons.PageJSON(list)
	if err != nil {
		return err
	}
	return os.WriteFile(out, data, 0o644)
}
