package cli

import (
	"runtime/debug"
	"testing"
)

func TestBuildInfoFillsWhatTheLinkerDidNotSet(t *testing.T) {
	info := &debug.BuildInfo{
		Main: debug.Module{Version: "v1.2.3"},
		Settings: []debug.BuildSetting{
			{Key: "vcs.revision", Value: "abcdef0"},
			{Key: "vcs.modified", Value: "true"},
			{Key: "vcs.time", Value: "2026-01-02T03:04:05Z"},
		},
	}
	got := fillFromBuildInfo(build{}, info)
	if want := (build{Version: "v1.2.3", Commit: "abcdef0", Date: "2026-01-02T03:04:05Z", Modified: true}); got != want {
		t.Errorf("from build info: %+v, want %+v", got, want)
	}
	linked := build{Version: "1.0.0", Commit: "fedcba9", Date: "2025-12-31T00:00:00Z"}
	if got := fillFromBuildInfo(linked, info); got != linked {
		t.Errorf("linker values were replaced: %+v, want %+v", got, linked)
	}
	devel := &debug.BuildInfo{Main: debug.Module{Version: "(devel)"}}
	if got := fillFromBuildInfo(build{}, devel); got.Version != "" {
		t.Errorf("a (devel) build got version %q; want it left for the caller's default", got.Version)
	}
}
