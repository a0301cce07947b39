// Package lessons holds raftplay's guided lessons and the code that loads, plays and
// checks them. A lesson drives the real engine in the simulator (package sim): the
// learner acts on the cluster, and each step's check, evaluated over the engine's
// events and the cluster's state, confirms what happened.
//
// # Lesson files
//
// Each lesson is a Markdown file, NN-id.md, embedded in the binary (and, parsed ahead
// of time into page.json by PageJSON, in the WebAssembly build of the page): narration
// in Markdown, one fenced ```lesson JSON block with the starting scenario, and one
// ```step JSON block per step with the learner's action, the page element to
// highlight, the check, the reference path and a quiz. lessons/README.md documents the format for teachers; Parse validates all of
// it and names the file, the step and the field of every mistake.
//
// # Playing a lesson
//
// All and Get return the embedded lessons. A Runner plays one on its own sim.Timeline:
// Act, RunTicks and RunUntil move the run forward, SeekTime and SeekSteps move it back
// and forth within the current step (a move after going back forks the run), Check (or
// Status, for the page) evaluates the current step's check against what happened since
// the step began, Advance, Back, RestartStep and GoTo move between steps. Every type the page needs
// (Lesson, Step, Status, Result) is plain data with JSON tags, so the wasm bridge hands
// them to JavaScript as they are; narration comes as Markdown and as HTML rendered by
// MarkdownHTML, which escapes everything and lets no raw HTML through.
//
// # Checking lessons
//
// Verify replays a lesson's reference path through the simulator and checks that every
// step's check passes within its bound, and that for a step with an action the check
// does not pass when the step is played without it: such a check would not check
// what the learner did. `raftplay lesson check` runs Verify on every lesson.
package lessons
