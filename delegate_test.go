package main

import (
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stackwiz/stackwiz/sandbox"
)

// delegateOnceCreated plays the registrar for a stack applied by the
// binary on `--sandbox`: it opens the world the embedded sandbox keeps in
// worldDir and, as soon as a hosted zone named zone exists, delegates the
// domain to it, as the user does after apply names the zone's name
// servers. The returned function stops it and says whether it delegated.
func delegateOnceCreated(t *testing.T, worldDir, zone string) (stop func() bool) {
	t.Helper()
	if err := os.MkdirAll(worldDir, 0o700); err != nil {
		t.Fatal(err)
	}
	sb, err := sandbox.New(sandbox.Options{DataDir: worldDir})
	if err != nil {
		t.Fatal(err)
	}
	var delegated atomic.Bool
	quit, done := make(chan struct{}), make(chan struct{})
	go func() {
		defer close(done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-quit:
				return
			case <-tick.C:
			}
			if _, err := sb.Delegate(zone, true); err == nil {
				delegated.Store(true)
				return
			}
		}
	}()
	var stopped atomic.Bool
	stop = func() bool {
		if stopped.CompareAndSwap(false, true) {
			close(quit)
			<-done
			_ = sb.Close()
		}
		return delegated.Load()
	}
	t.Cleanup(func() { stop() })
	return stop
}
