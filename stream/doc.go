// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package stream builds and runs graphs of stages.
//
// Connect builds a linear chain; New, NewPipe, Graph.Add and the Add*
// helpers build any DAG of typed pipes, including stages with several
// inputs and outputs (a demuxer, a muxer). Graph.Run runs every stage in
// its own goroutine under one errgroup: the first error cancels the rest and
// comes back as a *StageError naming the stage; cancelling the context ends
// the run promptly. Either way every queued frame is released and no
// goroutine outlives Run. Metrics and Dot show the graph while it runs.
//
// The package is pure Go and builds with CGO_ENABLED=0.
//
// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
package stream
