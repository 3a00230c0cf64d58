// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build !race

package stage

// hopCount counts the frames a link's reader took. Only the reader writes
// it (Recv is not for concurrent use), so the increment needs no atomic
// read-modify-write: on amd64 that lock prefix alone costs about a tenth of
// a channel hop. Stats reads it while the reader runs; Go's memory model
// makes such a read of one machine word return a value the reader wrote,
// never a torn one, so a snapshot is at most a few frames behind. Under the
// race detector (count_race.go) the counter is atomic, so that the race
// it would report is not mistaken for a real one.
type hopCount struct{ n uint64 }

func (c *hopCount) inc()         { c.n++ }
func (c *hopCount) load() uint64 { return c.n }
