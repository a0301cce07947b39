package e2e

import "syscall"

// nodeProcAttr makes a node die with the process that started it, so that a test
// binary killed by its timeout leaves no node running.
func nodeProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
