// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build !race

package frame

// ReuseHandles says whether backends and pools put released handles back
// into their pools for the next frame. They do in normal builds, which is
// what keeps the pooled paths at zero allocations per frame; under the race
// detector (go test -race, as CI runs) they do not, so a Retain or Release
// through a stale copy of a released frame finds its handle's count at zero
// and panics ("Release of a released Data") instead of dropping a
// reference of the frame that would have reused the handle. A generation
// check would catch it in every build, but needs a field in every Video and
// Audio and a second compare per Retain and Release: misuse is a bug to find
// in tests, so the check lives where the tests run.
const ReuseHandles = true
