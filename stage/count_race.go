// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build race

package stage

import "sync/atomic"

// hopCount is atomic under the race detector: see count.go.
type hopCount struct{ n atomic.Uint64 }

func (c *hopCount) inc()         { c.n.Add(1) }
func (c *hopCount) load() uint64 { return c.n.Load() }
