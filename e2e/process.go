package e2e

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"
	"time"
)

// process is a child process a test started (a raftplay node or an etcd member),
// writing its output to a log file. Its methods are not safe for concurrent use.
type process struct {
	cmd    *exec.Cmd
	exited chan error // receives cmd.Wait's result, once
	log    *os.File
}

// spawn starts bin with args, its output appended to the file logPath after the line
// banner (none when empty). The process dies with the test (nodeProcAttr).
func (p *process) spawn(logPath, banner, bin string, args []string) error {
	logFile, err := os.OpenFile(logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	if banner != "" {
		fmt.Fprintln(logFile, banner)
	}
	cmd := exec.Command(bin, args...)
	cmd.Stdout, cmd.Stderr = logFile, logFile
	cmd.SysProcAttr = nodeProcAttr()
	if err := cmd.Start(); err != nil {
		_ = logFile.Close()
		return err
	}
	p.cmd, p.log, p.exited = cmd, logFile, make(chan error, 1)
	go func() { p.exited <- cmd.Wait() }()
	return nil
}

// running reports whether the process was started and not released since.
func (p *process) running() bool { return p.cmd != nil }

// kill ends the process with SIGKILL, as a crash would, and waits for it.
func (p *process) kill() {
	_ = p.cmd.Process.Kill()
	<-p.exited
}

// stopResult is how a process ended after SIGTERM: its exit status, or the timeout
// passed and it was killed.
type stopResult struct {
	exit     error
	timedOut bool
}

// err is the result as an error: nil for a clean exit.
func (r stopResult) err(timeout time.Duration) error {
	if r.timedOut {
		return fmt.Errorf("did not stop within %v of SIGTERM", timeout)
	}
	if r.exit != nil {
		return fmt.Errorf("exited with %w after SIGTERM", r.exit)
	}
	return nil
}

// terminate sends SIGTERM and waits up to timeout for the process to exit, then kills
// it.
func (p *process) terminate(timeout time.Duration) stopResult {
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.exited:
		return stopResult{exit: err}
	case <-time.After(timeout):
		p.kill()
		return stopResult{timedOut: true}
	}
}

// terminateAll terminates every running process of procs at once, so that a cluster
// stops in one timeout rather than one per member. Processes not running get a zero
// result.
func terminateAll(procs []*process, timeout time.Duration) []stopResult {
	results := make([]stopResult, len(procs))
	var wg sync.WaitGroup
	for i, p := range procs {
		if p.running() {
			wg.Go(func() { results[i] = p.terminate(timeout) })
		}
	}
	wg.Wait()
	return results
}

// release closes the log after writing the line note (none when empty) and forgets the
// ended process.
func (p *process) release(note string) {
	if note != "" {
		fmt.Fprintln(p.log, note)
	}
	_ = p.log.Close()
	p.cmd, p.log = nil, nil
}
