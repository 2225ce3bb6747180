// Package buildinfo says which build of pngd is running, from what the Go
// toolchain records in the binary: the module's version, and the commit
// and time it was built from.
package buildinfo

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// Version is name's version line: "pngd v1.2.3 (commit 0123abcd…, 2026-12-06T03:00:00Z, go1.26)",
// "(devel)" for a build from a work tree, and "+dirty" when it had
// uncommitted changes.
func Version(name string) string {
	bi, ok := debug.ReadBuildInfo()
	if !ok {
		return name + " (no build information) " + runtime.Version()
	}
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	commit, at := settings["vcs.revision"], settings["vcs.time"]
	if settings["vcs.modified"] == "true" {
		commit += "+dirty"
	}
	if commit == "" {
		commit = "unknown commit"
	}
	if at == "" {
		at = "unknown time"
	}
	return fmt.Sprintf("%s %s (commit %s, %s, %s)", name, bi.Main.Version, commit, at, bi.GoVersion)
}
