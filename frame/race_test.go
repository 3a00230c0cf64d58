// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build race

package frame_test

// raceEnabled: the race detector makes sync.Pool drop a quarter of what is
// put back, so a warm pool still allocates now and then.
const raceEnabled = true
