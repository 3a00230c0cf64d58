// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream

import (
	"context"

	"github.com/spinorml/streamer/stage"
)

// nameOr returns name, or the stage's own name when name is empty.
func nameOr(name string, s any) string {
	if name != "" {
		return name
	}
	return stage.NameOf(s)
}

// AddSource adds src to g and returns the pipe it writes. An empty name
// takes the stage's own (see stage.NameOf); opts configure the pipe.
func AddSource[T any](g *Graph, name string, src stage.Source[T], opts ...LinkOption) *Pipe[T] {
	out := NewPipe[T](g, opts...)
	g.Add(nameOr(name, src), func(ctx context.Context) error { return src.Run(ctx, out.Out()) }).Writes(out)
	return out
}

// AddTransform adds t to g, reading in, and returns the pipe it writes.
func AddTransform[I, O any](g *Graph, name string, in *Pipe[I], t stage.Transform[I, O], opts ...LinkOption) *Pipe[O] {
	out := NewPipe[O](g, opts...)
	g.Add(nameOr(name, t), func(ctx context.Context) error { return t.Run(ctx, in.In(), out.Out()) }).Reads(in).Writes(out)
	return out
}

// AddSink adds s to g, reading in.
func AddSink[T any](g *Graph, name string, in *Pipe[T], s stage.Sink[T]) *Node {
	return g.Add(nameOr(name, s), func(ctx context.Context) error { return s.Run(ctx, in.In()) }).Reads(in)
}

// AddTee adds a stage.Tee reading in and returns its n branches, each
// getting every frame.
func AddTee[T any](g *Graph, name string, in *Pipe[T], n int, opts ...LinkOption) []*Pipe[T] {
	outs := make([]*Pipe[T], n)
	ends := make([]stage.Out[T], n)
	edges := make([]Edge, n)
	for i := range outs {
		outs[i] = NewPipe[T](g, opts...)
		ends[i], edges[i] = outs[i].Out(), outs[i]
	}
	var tee stage.Tee[T]
	g.Add(nameOr(name, tee), func(ctx context.Context) error { return tee.Run(ctx, in.In(), ends) }).Reads(in).Writes(edges...)
	return outs
}

// AddMerge adds a stage.Merge of ins and returns the pipe it writes.
func AddMerge[T any](g *Graph, name string, ins []*Pipe[T], opts ...LinkOption) *Pipe[T] {
	out := NewPipe[T](g, opts...)
	ends := make([]stage.In[T], len(ins))
	edges := make([]Edge, len(ins))
	for i, p := range ins {
		ends[i], edges[i] = p.In(), p
	}
	var m stage.Merge[T]
	g.Add(nameOr(name, m), func(ctx context.Context) error { return m.Run(ctx, ends, out.Out()) }).Reads(edges...).Writes(out)
	return out
}

// Connect builds the linear graph src → via[0] → ... → sink, every pipe
// configured by opts. Run it with Graph.Run:
//
//	err := stream.Connect(src, stream.Via(scale, encode), sink).Run(ctx)
func Connect[T any](src stage.Source[T], via []stage.Transform[T, T], sink stage.Sink[T], opts ...LinkOption) *Graph {
	g := New()
	p := AddSource(g, "", src, opts...)
	for _, t := range via {
		p = AddTransform(g, "", p, t, opts...)
	}
	AddSink(g, "", p, sink)
	return g
}

// Via lists the transforms of a Connect chain, in order.
func Via[T any](ts ...stage.Transform[T, T]) []stage.Transform[T, T] { return ts }
