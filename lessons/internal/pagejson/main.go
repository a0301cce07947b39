// Command pagejson writes lessons/page.json, the lessons as the WebAssembly build of
// the page embeds them (lessons.PageJSON), from the lesson files. Run it with
// `go generate ./lessons` after changing a lesson.
package main

import (
	"fmt"
	"os"

	"github.com/raftplay/raftplay/lessons"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "pagejson:", err)
		os.Exit(1)
	}
}

func run() error {
	list, err := lessons.ParseFS(os.DirFS("."))
	if err != nil {
		return err
	}
	data, err := lessons.PageJSON(list)
	if err != nil {
		return err
	}
	return os.WriteFile("page.json", data, 0o644)
}
