//go:build !linux

package e2e

import "syscall"

// nodeProcAttr is nil where a child cannot be tied to its parent's life: the tests'
// cleanups stop the nodes.
func nodeProcAttr() *syscall.SysProcAttr { return nil }
