// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build race

package frame

// ReuseHandles is false under the race detector: see reuse.go.
const ReuseHandles = false
