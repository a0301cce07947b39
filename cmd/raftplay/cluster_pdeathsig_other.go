//go:build !linux

package main

import "syscall"

// nodeProcAttr asks for nothing where the kernel has no parent-death signal: there a
// cluster killed with kill -9 leaves its nodes running (stop them by their PIDs).
func nodeProcAttr() *syscall.SysProcAttr { return nil }
