// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build !race

package frame_test

const raceEnabled = false
