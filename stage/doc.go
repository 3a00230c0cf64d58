// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package stage defines the contracts of streamer's stages — Source,
// Transform and Sink, generic over the frame type — and the typed links
// (In and Out) they read and write, with pure-Go stages every graph needs:
// Map, Filter, Tee, Merge, Rate, Null, Collect, the Pattern and Sine test
// sources, and the Y4M reader and writer.
//
// A stage is a goroutine with one job. It receives with In.Recv (false at
// the end of stream or on cancel), sends with Out.Send (false when the reader
// is gone or the run was cancelled), owns every frame it receives, and
// returns nil at the end of stream or the error that stopped it. The runner
// in package stream creates the links and closes and drains them.
//
// The package is pure Go and builds with CGO_ENABLED=0.
//
// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
package stage
