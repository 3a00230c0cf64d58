// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stream

import (
	"context"
	"errors"
	"fmt"
	"runtime/debug"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Graph is a set of stages (nodes) joined by typed links (pipes). Build it
// with Add, NewPipe and the Add* helpers (or Connect for a chain), then Run
// it once. Building is not safe for concurrent use; Metrics and Dot are, at
// any time.
type Graph struct {
	mu    sync.Mutex
	nodes []*Node
	pipes []*pipe
	names map[string]int
	errs  []error
	ran   atomic.Bool

	stopAt *stage.StopPoint // ends the sources' streams on Stop
	// Guarded by mu: how StopWithin cancels the run, once it runs.
	abort     context.CancelCauseFunc
	aborted   error
	stopTimer *time.Timer
}

// New returns an empty graph.
func New() *Graph { return &Graph{names: map[string]int{}, stopAt: stage.NewStopPoint()} }

// links is what the runner needs of a stage.Link, whatever its frame type.
type links interface {
	Start()
	StopAt(*stage.StopPoint)
	CloseSend()
	Drain() int
	Cancel()
	Stats() stage.LinkStats
}

// pipe is the type-erased bookkeeping of a Pipe.
type pipe struct {
	id             int
	kind           string // "video" or "audio"
	link           links
	writer, reader *Node
}

// Edge is any Pipe, whatever its frame type, as Node.Reads and Node.Writes
// take them.
type Edge interface{ edge() *pipe }

// Pipe is a typed link of a graph, written by one node and read by one.
type Pipe[T any] struct {
	p    *pipe
	link *stage.Link[T]
}

func (p *Pipe[T]) edge() *pipe { return p.p }

// In returns the reading end, for the node that Reads p.
func (p *Pipe[T]) In() stage.In[T] { return p.link.In() }

// Out returns the writing end, for the node that Writes p.
func (p *Pipe[T]) Out() stage.Out[T] { return p.link.Out() }

// Stats returns the pipe's counters.
func (p *Pipe[T]) Stats() stage.LinkStats { return p.link.Stats() }

// LinkOption sets how a pipe is bounded and what it does when full.
type LinkOption func(*stage.LinkConfig)

// Capacity bounds a pipe to n frames (default stage.DefaultCapacity).
func Capacity(n int) LinkOption { return func(c *stage.LinkConfig) { c.Capacity = n } }

// MaxBytes also bounds a pipe to n bytes of frame data, as GStreamer's
// queue max-size-bytes does: the bound that matters for raw video.
func MaxBytes(n int64) LinkOption { return func(c *stage.LinkConfig) { c.MaxBytes = n } }

// DropOldest makes a full pipe discard its oldest frame (live sources).
func DropOldest() LinkOption { return func(c *stage.LinkConfig) { c.Policy = stage.DropOldest } }

// DropNewest makes a full pipe discard the frame being sent.
func DropNewest() LinkOption { return func(c *stage.LinkConfig) { c.Policy = stage.DropNewest } }

// kindOf names what pipes of T carry, in errors and Dot: "video",
// "audio", or the item type ("Detection", "*pool.Tensor").
func kindOf[T any]() string {
	var zero T
	switch any(zero).(type) {
	case frame.Video:
		return "video"
	case frame.Audio:
		return "audio"
	}
	return stage.NameOf(&zero)[1:] // the type of T, without package paths
}

// NewPipe adds a pipe of T to g; give it a writer and a reader with
// Node.Writes and Node.Reads.
func NewPipe[T any](g *Graph, opts ...LinkOption) *Pipe[T] {
	var cfg stage.LinkConfig
	for _, o := range opts {
		o(&cfg)
	}
	l := stage.NewLink[T](cfg)
	g.mu.Lock()
	p := &pipe{id: len(g.pipes), kind: kindOf[T](), link: l}
	g.pipes = append(g.pipes, p)
	g.mu.Unlock()
	return &Pipe[T]{p: p, link: l}
}

// Node is one stage of a graph: a function run in its own goroutine with
// the pipes it reads and writes. When the function returns, the runner
// closes the pipes it writes (the end of stream for their readers) and
// drains the pipes it reads, releasing what is left.
type Node struct {
	g      *Graph
	name   string
	run    func(ctx context.Context) error
	reads  []*pipe
	writes []*pipe
	start  atomic.Int64 // ns since epoch; 0 before start
	end    atomic.Int64
	failed atomic.Bool
	cause  error         // why it failed: written before failed is set, read after
	done   chan struct{} // closed when the node has ended, in Run
	// live reports the node's reconnect counters (see ReportLive); set
	// while the graph is built, read by Metrics from any goroutine.
	live atomic.Pointer[func() LiveStats]
}

// Name returns the node's name, unique in its graph.
func (n *Node) Name() string { return n.name }

// Add adds a node that runs run. The name is made unique in g (a second
// "scale" becomes "scale#2") and names the node in errors, metrics and Dot.
func (g *Graph) Add(name string, run func(ctx context.Context) error) *Node {
	if name == "" {
		name = "stage"
	}
	g.names[name]++
	if k := g.names[name]; k > 1 {
		name += "#" + strconv.Itoa(k)
	}
	n := &Node{g: g, name: name, run: run}
	g.mu.Lock()
	g.nodes = append(g.nodes, n)
	g.mu.Unlock()
	return n
}

// Reads declares the pipes n receives from.
func (n *Node) Reads(es ...Edge) *Node {
	for _, e := range es {
		n.attach(e.edge(), "read", &n.reads)
	}
	return n
}

// Writes declares the pipes n sends on.
func (n *Node) Writes(es ...Edge) *Node {
	for _, e := range es {
		n.attach(e.edge(), "written", &n.writes)
	}
	return n
}

// attach makes n the reader or the writer (how says which) of p, or records
// the error when p already has one.
func (n *Node) attach(p *pipe, how string, ends *[]*pipe) {
	end := &p.reader
	if how == "written" {
		end = &p.writer
	}
	if *end != nil {
		n.g.errs = append(n.g.errs, fmt.Errorf("stream: %s pipe %d is %s by both %q and %q", p.kind, p.id, how, (*end).name, n.name))
		return
	}
	*end = n
	*ends = append(*ends, p)
}

// StageError is the error Run returns when a stage fails: it names the
// stage and wraps the cause, so errors.Is and errors.As see through it.
type StageError struct {
	Stage string
	Err   error
}

func (e *StageError) Error() string {
	return "stream: stage " + strconv.Quote(e.Stage) + ": " + e.Err.Error()
}

// Unwrap returns the cause.
func (e *StageError) Unwrap() error { return e.Err }

// PanicError is the cause of a StageError when the stage panicked.
type PanicError struct {
	// Value is what the stage panicked with.
	Value any
	// Stack is the panicking goroutine's stack trace (debug.Stack), kept
	// out of the message so a log line stays one line.
	Stack []byte
}

// Error returns "panic: " and the value on one line; the StageError around
// it names the stage, and Stack holds the trace.
func (e *PanicError) Error() string { return fmt.Sprintf("panic: %v", e.Value) }

// ErrRan is returned by a second Run of the same graph: links are single-use.
var ErrRan = errors.New("stream: graph has already run")

// Run runs every node in its own goroutine under one errgroup and returns
// when all have ended. The first stage to fail cancels the rest; Run then
// returns a *StageError naming it. A stage that fails with an error made by
// stage.AfterDrain ends its streams instead, as at their end, and Run
// returns its error once the stages after it have finished with what they
// hold (then the rest of the graph, such as a live branch, is cancelled).
// When ctx is cancelled, sources stop, the end of stream cascades down the
// graph and Run returns ctx.Err(), or the error of a stage that failed
// before. Either way, every frame still queued in a pipe is released and
// no goroutine of the graph outlives Run.
func (g *Graph) Run(ctx context.Context) error {
	if !g.ran.CompareAndSwap(false, true) {
		return ErrRan
	}
	if err := g.check(); err != nil {
		return err
	}
	// A failing stage cancels the run itself, before draining its inputs:
	// a source that only waits on ctx (a live source between frames) must
	// stop, or the drain would wait for it for ever.
	cctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	g.mu.Lock()
	g.abort = cancel
	if g.aborted != nil {
		cancel(g.aborted)
	}
	g.mu.Unlock()
	defer func() {
		g.mu.Lock()
		g.abort = nil
		if g.stopTimer != nil {
			g.stopTimer.Stop()
		}
		g.mu.Unlock()
	}()
	// A graceful stop ends the streams of the nodes that read nothing (the
	// sources) at one media time; the rest of the graph runs on to the end.
	for _, n := range g.nodes {
		if len(n.reads) == 0 {
			for _, p := range n.writes {
				p.link.StopAt(g.stopAt)
			}
		}
	}
	eg, gctx := errgroup.WithContext(cctx)
	fired := make(chan struct{})
	stop := context.AfterFunc(gctx, func() {
		defer close(fired)
		for _, p := range g.pipes {
			p.link.Cancel()
		}
	})
	for _, p := range g.pipes {
		p.link.Start()
	}
	var first firstError
	for _, n := range g.nodes {
		n.done = make(chan struct{})
	}
	// A stage that ended with stage.AfterDrain let the stages after it
	// finish; once they have, the rest of the graph (a live branch that
	// would run for ever) is cancelled so that Run can report the error.
	afterDrain := func(n *Node, cause error) {
		after := n.downstream()
		eg.Go(func() error {
			for _, d := range after {
				select {
				case <-d.done:
				case <-gctx.Done():
					return nil
				}
			}
			cancel(cause)
			return nil
		})
	}
	for _, n := range g.nodes {
		eg.Go(func() error { return n.exec(gctx, cancel, &first, afterDrain) })
	}
	_ = eg.Wait() // first has every failure, the earliest first
	if !stop() {
		<-fired
	}
	if err := first.get(); err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return err
	}
	if cause := context.Cause(cctx); errors.Is(cause, ErrStopTimeout) {
		return ErrStopTimeout
	}
	return nil
}

// ErrStopTimeout is what Run returns when a graceful stop begun by
// StopWithin did not end in time and the run was cancelled.
var ErrStopTimeout = errors.New("stream: graceful stop timed out; the run was cancelled")

// Stop ends a run gracefully, as gst-launch-1.0 -e or ffmpeg's first
// Ctrl-C do: the sources (nodes that read no pipe) stop producing, the end
// of stream cascades down every pipe, encoders emit their delayed frames,
// muxers write their trailers, and Run returns nil once every stage has
// finished. The output holds every frame the sources produced, and sources
// stop at one media time: each goes on until it has sent a frame ending at
// or after the latest End any source had reached, so audio and video end
// together (within a frame).
//
// Stop does not wait; Run's return is the end. A source that never sends
// again (a stalled network input) keeps a stopping run alive: bound it with
// StopWithin, or cancel Run's context, which is the immediate stop: queued
// frames are released unprocessed. Stop before Run makes the run stop after
// each source's first frame. After the first call, subsequent calls do
// nothing. Stop is safe for concurrent use.
func (g *Graph) Stop() { g.stopAt.Stop() }

// StopWithin calls Stop and, if the run has not ended d later, cancels it:
// Run then returns ErrStopTimeout (or the error of a stage that failed).
func (g *Graph) StopWithin(d time.Duration) {
	g.Stop()
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.stopTimer != nil {
		return
	}
	g.stopTimer = time.AfterFunc(d, func() {
		g.mu.Lock()
		defer g.mu.Unlock()
		g.aborted = ErrStopTimeout
		if g.abort != nil {
			g.abort(ErrStopTimeout)
		}
	})
}

// Stopping reports whether Stop (or StopWithin) was called.
func (g *Graph) Stopping() bool { return g.stopAt.Stopping() }

// firstError keeps the earliest failure of a run, whether it stopped the
// run at once or after the drain (stage.AfterDrain).
type firstError struct {
	mu  sync.Mutex
	err error
}

func (f *firstError) set(err error) {
	f.mu.Lock()
	if f.err == nil {
		f.err = err
	}
	f.mu.Unlock()
}

func (f *firstError) get() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.err
}

func (g *Graph) check() error {
	errs := append([]error(nil), g.errs...)
	if len(g.nodes) == 0 {
		errs = append(errs, errors.New("stream: graph has no stages"))
	}
	for _, p := range g.pipes {
		switch {
		case p.writer == nil && p.reader == nil:
			errs = append(errs, fmt.Errorf("stream: %s pipe %d has no writer and no reader", p.kind, p.id))
		case p.writer == nil:
			errs = append(errs, fmt.Errorf("stream: %s pipe %d into %q has no writer", p.kind, p.id, p.reader.name))
		case p.reader == nil:
			errs = append(errs, fmt.Errorf("stream: %s pipe %d out of %q has no reader", p.kind, p.id, p.writer.name))
		}
	}
	return errors.Join(errs...)
}

// epoch is the process-wide origin of the nodes' start and end times:
// monotonic, and comparable between graphs.
var epoch = time.Now() //nolint:gochecknoglobals // set once at start, read only

func now() int64 { return int64(time.Since(epoch)) + 1 }

// downstream returns the nodes that read, directly or not, what n writes.
func (n *Node) downstream() []*Node {
	seen := map[*Node]bool{n: true}
	var out []*Node
	queue := []*Node{n}
	for len(queue) > 0 {
		m := queue[0]
		queue = queue[1:]
		for _, p := range m.writes {
			if r := p.reader; r != nil && !seen[r] {
				seen[r] = true
				out = append(out, r)
				queue = append(queue, r)
			}
		}
	}
	return out
}

func (n *Node) exec(ctx context.Context, cancel context.CancelCauseFunc, first *firstError, afterDrain func(*Node, error)) error {
	defer close(n.done)
	n.start.Store(now())
	err := n.call(ctx)
	n.end.Store(now())
	failed := err != nil && !(ctx.Err() != nil && errors.Is(err, ctx.Err()))
	var drainFirst *stage.AfterDrainError
	if failed && errors.As(err, &drainFirst) {
		// An error about the input data: end the streams as at their
		// end, let downstream deliver what it holds, report it after.
		n.cause = drainFirst.Err
		n.failed.Store(true)
		first.set(&StageError{Stage: n.name, Err: drainFirst.Err})
		afterDrain(n, err)
		failed = false
	}
	var stageErr error
	if failed {
		stageErr = &StageError{Stage: n.name, Err: err}
		first.set(stageErr)
		cancel(err)
	}
	// Close outputs first so downstream can finish while inputs drain.
	for _, p := range n.writes {
		p.link.CloseSend()
	}
	n.drain()
	if !failed {
		return nil
	}
	n.cause = err
	n.failed.Store(true)
	return stageErr
}

// drain releases what is left in the node's inputs until their writers
// close them. Several inputs drain at once: one at a time, a writer stuck
// on the second input (a Tee feeding both branches of a diamond) keeps the
// first one's writer waiting for it, and the run never ends.
func (n *Node) drain() {
	switch len(n.reads) {
	case 0:
		return
	case 1:
		n.reads[0].link.Drain()
		return
	}
	var wg sync.WaitGroup
	for _, p := range n.reads {
		wg.Go(func() { p.link.Drain() })
	}
	wg.Wait()
}

func (n *Node) call(ctx context.Context) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = &PanicError{Value: r, Stack: debug.Stack()}
		}
	}()
	return n.run(ctx)
}
