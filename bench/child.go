// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
)

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
