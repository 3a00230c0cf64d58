// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// coreConfig is what one run of the core suite compares.
type coreConfig struct {
	hops, frames, runs int
	pool               *frame.VideoPool
}

// runCore compares N pass-through hops through a stream graph with the same
// hops written by hand. Both sides take frames from the same kind of pool
// and release them in the sink, so the difference is the cost of the hops.
func runCore(args []string) error {
	fs := newFlags("core")
	hops := fs.Int("hops", 8, "pass-through stages between source and sink")
	frames := fs.Int("frames", 200000, "frames per run")
	size := fs.String("size", "1280x720", "frame size (the payload is never touched, only passed)")
	runs := fs.Int("runs", 15, "runs of each side, alternating; the median is reported")
	profile := fs.String("cpuprofile", "", "write a CPU profile of our side (both forms) to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return fmt.Errorf("-size %q: want WxH", *size)
	}
	pool, err := frame.NewVideoPool(frame.I420, w, h)
	if err != nil {
		return err
	}
	c := coreConfig{hops: *hops, frames: *frames, runs: *runs, pool: pool}
	forms := []struct {
		name string
		ours func() error
	}{
		{fmt.Sprintf("core-%dhops-%dx%d-recv", c.hops, w, h), func() error { return c.ours(stage.Pass[frame.Video]()) }},
		{fmt.Sprintf("core-%dhops-%dx%d-range", c.hops, w, h), func() error { return c.ours(rangeHop) }},
	}
	fmt.Printf("# %d frames of %dx%d I420 through %d hops, capacity %d, GOMAXPROCS %d, median of %d runs\n",
		c.frames, w, h, c.hops, stage.DefaultCapacity, runtime.GOMAXPROCS(0), c.runs)
	if *profile != "" {
		if err := profileCPU(*profile, c.runs, forms[0].ours, forms[1].ours); err != nil {
			return err
		}
	}
	for _, f := range forms {
		o, b, err := c.compare(f.ours, c.raw)
		if err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
		report(f.name, o.ns, b.ns, "ns/frame/hop", fmt.Sprintf(" (allocs/frame/hop: ours %.3f, baseline %.3f)", o.allocs, b.allocs))
	}
	if err := runLatency(pool, 20000); err != nil {
		return err
	}
	if live := frame.Live(); live != 0 {
		return fmt.Errorf("%d frame handles leaked", live)
	}
	return nil
}

// rangeHop is a pass-through stage in the range form a stage may use
// instead of Recv.
var rangeHop = stage.TransformFunc[frame.Video, frame.Video](func(ctx context.Context, in stage.In[frame.Video], out stage.Out[frame.Video]) error { //nolint:gochecknoglobals // a stage without state
	for v := range in.All() {
		if !out.Send(v) {
			return ctx.Err()
		}
	}
	return nil
})

// ours runs c.frames frames through c.hops copies of hop in a graph.
func (c coreConfig) ours(hop stage.Transform[frame.Video, frame.Video]) error {
	via := make([]stage.Transform[frame.Video, frame.Video], c.hops)
	for i := range via {
		via[i] = hop
	}
	src := stage.SourceFunc[frame.Video](func(ctx context.Context, out stage.Out[frame.Video]) error {
		for range c.frames {
			if !out.Send(c.pool.Get()) {
				return ctx.Err()
			}
		}
		return nil
	})
	return stream.Connect(src, via, &stage.Null[frame.Video]{}, stream.Capacity(stage.DefaultCapacity)).Run(context.Background())
}

// raw runs the same frames through the same hops written with channels.
func (c coreConfig) raw() error {
	chans := make([]chan frame.Video, c.hops+1)
	for i := range chans {
		chans[i] = make(chan frame.Video, stage.DefaultCapacity)
	}
	done := make(chan struct{})
	go func() {
		for range c.frames {
			chans[0] <- c.pool.Get()
		}
		close(chans[0])
	}()
	for i := range c.hops {
		go func(in <-chan frame.Video, out chan<- frame.Video) {
			for v := range in {
				out <- v
			}
			close(out)
		}(chans[i], chans[i+1])
	}
	go func() {
		for v := range chans[c.hops] {
			v.Release()
		}
		close(done)
	}()
	<-done
	return nil
}

// hopCost is the median cost of a run: ns and allocations per frame per hop.
type hopCost struct{ ns, allocs float64 }

// compare runs ours and base alternately, one run each in turn after a
// warm-up of each, and returns the median cost of each side. Alternating
// run by run puts both sides under the same load: on a small VM the
// scheduler's noise drifts over seconds, and blocks of runs of one side
// then of the other would measure the drift.
func (c coreConfig) compare(ours, base func() error) (o, b hopCost, err error) {
	if err := ours(); err != nil {
		return o, b, err
	}
	if err := base(); err != nil {
		return o, b, err
	}
	var on, oa, bn, ba []float64
	for range c.runs {
		ns, allocs, err := c.once(ours)
		if err != nil {
			return o, b, err
		}
		on, oa = append(on, ns), append(oa, allocs)
		if ns, allocs, err = c.once(base); err != nil {
			return o, b, err
		}
		bn, ba = append(bn, ns), append(ba, allocs)
	}
	return hopCost{median(on), median(oa)}, hopCost{median(bn), median(ba)}, nil
}

// once runs fn and returns its ns and allocations per frame per hop.
func (c coreConfig) once(fn func() error) (ns, allocs float64, err error) {
	runtime.GC()
	var m0, m1 runtime.MemStats
	runtime.ReadMemStats(&m0)
	t0 := time.Now()
	if err := fn(); err != nil {
		return 0, 0, err
	}
	d := time.Since(t0)
	runtime.ReadMemStats(&m1)
	per := float64(c.frames * c.hops)
	return float64(d.Nanoseconds()) / per, float64(m1.Mallocs-m0.Mallocs) / per, nil
}

// profileCPU writes a CPU profile of runs runs of each fn to path.
func profileCPU(path string, runs int, fns ...func() error) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	defer f.Close()
	if err := pprof.StartCPUProfile(f); err != nil {
		return err
	}
	defer pprof.StopCPUProfile()
	for _, fn := range fns {
		for range runs {
			if err := fn(); err != nil {
				return err
			}
		}
	}
	return nil
}
