// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build !race

package ffmpeg_test

const raceEnabled = false
