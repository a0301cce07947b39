package main

import "syscall"

// nodeProcAttr makes the kernel send a node SIGTERM (a clean stop) when the cluster
// process that started it dies, however it dies: without it, a cluster killed with
// kill -9 left its three nodes running and holding their ports.
func nodeProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
}
