package state

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// The lock and crash tests need a second process. The test binary re-runs
// itself with helperEnv set, and TestMain turns it into that process
// instead of running the tests.
const (
	helperEnv      = "STACKWIZ_STATE_TEST_HELPER"
	helperDirEnv   = "STACKWIZ_STATE_TEST_DIR"
	helperStackEnv = "STACKWIZ_STATE_TEST_STACK"
)

func TestMain(m *testing.M) {
	switch os.Getenv(helperEnv) {
	case "":
		os.Exit(m.Run())
	case "hold":
		os.Exit(runHelper(holdUntilStdinCloses))
	case "churn":
		os.Exit(runHelper(churnForever))
	default:
		fmt.Fprintln(os.Stderr, "unknown helper mode")
		os.Exit(3)
	}
}

// runHelper opens and locks the stack, says "locked" on stdout, then runs
// body.
func runHelper(body func(*Store) error) int {
	s, err := Open(os.Getenv(helperDirEnv), os.Getenv(helperStackEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	unlock, err := s.Lock(context.Background(), "stackwiz apply")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	fmt.Println("locked")
	if err := body(s); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	if err := unlock(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	return 0
}

// holdUntilStdinCloses keeps the lock until the parent closes our stdin.
func holdUntilStdinCloses(*Store) error {
	_, err := io.Copy(io.Discard, os.Stdin)
	return err
}

// churnForever records resources as fast as it can until it is killed.
func churnForever(s *Store) error {
	for i := 0; ; i++ {
		key := fmt.Sprintf("churn/%d", i)
		if _, err := s.RecordIntent(Intent{Key: key, Step: "churn", Type: "ec2:vpc", Attrs: map[string]string{"i": fmt.Sprint(i)}}); err != nil {
			return err
		}
		if err := s.RecordCreated(key, fmt.Sprintf("vpc-%08d", i), "", nil); err != nil {
			return err
		}
	}
}

// helper is a running helper process.
type helper struct {
	cmd   *exec.Cmd
	stdin io.WriteCloser
}

// startHelper runs the test binary as a helper in mode on stack name in
// dir and waits until it holds the lock.
func startHelper(t *testing.T, mode, dir, name string) *helper {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), helperEnv+"="+mode, helperDirEnv+"="+dir, helperStackEnv+"="+name)
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &helper{cmd: cmd, stdin: stdin}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})

	ready := make(chan string, 1)
	go func() {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		ready <- line
	}()
	select {
	case line := <-ready:
		if strings.TrimSpace(line) != "locked" {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
			t.Fatalf("helper did not take the lock: %q, stderr: %s", line, stderr.String())
		}
	case <-time.After(10 * time.Second):
		t.Fatalf("helper did not take the lock within 10s; stderr: %s", stderr.String())
	}
	return h
}

// finish asks a hold helper to unlock and exit, and waits for it.
func (h *helper) finish(t *testing.T) {
	t.Helper()
	if err := h.stdin.Close(); err != nil {
		t.Fatal(err)
	}
	if err := h.cmd.Wait(); err != nil {
		t.Fatalf("helper failed: %v", err)
	}
}

// kill SIGKILLs the helper and waits for it to be gone.
func (h *helper) kill(t *testing.T) {
	t.Helper()
	if err := h.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = h.cmd.Wait()
}
