// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// prepareChild readies a comparison whose baseline is the command tool
// (what, installed by the Debian package pkg) and whose side of ours is
// bench/name: it fails when tool is not installed, and otherwise builds
// name into a new temporary directory. It returns the directory, the
// program, and a cleanup that removes the directory; on an error nothing
// is left to clean up.
func prepareChild(name, tool, what, pkg string) (dir, bin string, cleanup func(), err error) {
	if _, err := exec.LookPath(tool); err != nil {
		return "", "", nil, fmt.Errorf("%s is the baseline and is not installed (apt-get install %s)", what, pkg)
	}
	dir, err = os.MkdirTemp("", "bench-"+strings.TrimSuffix(name, "child")+"-")
	if err != nil {
		return "", "", nil, err
	}
	// A leftover temporary directory costs disk, not a result.
	cleanup = func() { _ = os.RemoveAll(dir) }
	if bin, err = buildChild(dir, name); err != nil {
		cleanup()
		return "", "", nil, err
	}
	return dir, bin, cleanup, nil
}

// buildChild builds the program of our side of a comparison (a package
// under bench/) into dir and returns its path. Each side is a process of
// its own, linking only its backend, so both have their own start-up and
// peak RSS, measured the same way.
func buildChild(dir, name string) (string, error) {
	bin := filepath.Join(dir, name)
	out, err := exec.Command("go", "build", "-o", bin, "github.com/spinorml/streamer/bench/"+name).CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("building bench/%s (run the bench from the module: go run ./bench): %w\n%s", name, err, out)
	}
	return bin, nil
}
