// Package docs holds the project's design document, DESIGN.md, and the test that keeps
// the documentation's references true: every relative Markdown link and every repo
// file name cited in README.md, docs/*.md, lessons/README.md, bench/README.md and the
// package documentation (the files with a "// Package" comment) must name a file or
// folder that exists, and no file may cite a design document outside docs/.
package docs
