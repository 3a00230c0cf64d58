// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"runtime/pprof"
	"slices"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// runCore compares N pass-through hops through a stream graph with the same
// hops written by hand. Both sides take frames from the same kind of pool
// and release them in the sink, so the difference is the cost of the hops.
func runCore(args []string) error {
	fs := newFlags("core")
	hops := fs.Int("hops", 8, "pass-through stages between source and sink")
	frames := fs.Int("frames", 200000, "frames per run")
	size := fs.String("size", "1280x720", "frame size (the payload is never touched, only passed)")
	runs := fs.Int("runs", 5, "runs of each side; the median is reported")
	profile := fs.String("cpuprofile", "", "write a CPU profile of our side to this file")
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
	capacity := stage.DefaultCapacity

	type side struct {
		name string
		run  func() error
	}
	ours := func(hop stage.Transform[frame.Video, frame.Video]) func() error {
		return func() error {
			via := make([]stage.Transform[frame.Video, frame.Video], *hops)
			for i := range via {
				via[i] = hop
			}
			src := stage.SourceFunc[frame.Video](func(ctx context.Context, out stage.Out[frame.Video]) error {
				for range *frames {
					if !out.Send(pool.Get()) {
						return ctx.Err()
					}
				}
				return nil
			})
			return stream.Connect(src, via, &stage.Null[frame.Video]{}, stream.Capacity(capacity)).Run(context.Background())
		}
	}
	raw := func() error {
		chans := make([]chan frame.Video, *hops+1)
		for i := range chans {
			chans[i] = make(chan frame.Video, capacity)
		}
		done := make(chan struct{})
		go func() {
			for range *frames {
				chans[0] <- pool.Get()
			}
			close(chans[0])
		}()
		for i := range *hops {
			go func(in <-chan frame.Video, out chan<- frame.Video) {
				for v := range in {
					out <- v
				}
				close(out)
			}(chans[i], chans[i+1])
		}
		go func() {
			for v := range chans[*hops] {
				v.Release()
			}
			close(done)
		}()
		<-done
		return nil
	}
	iterHop := stage.TransformFunc[frame.Video, frame.Video](func(ctx context.Context, in stage.In[frame.Video], out stage.Out[frame.Video]) error {
		for v := range in.All() {
			if !out.Send(v) {
				return ctx.Err()
			}
		}
		return nil
	})
	// measure returns the median ns per frame per hop and allocations per
	// frame per hop of fn over the runs, after one warm-up run.
	measure := func(fn func() error) (ns, allocs float64, err error) {
		if err := fn(); err != nil {
			return 0, 0, err
		}
		var nss, as []float64
		for range *runs {
			runtime.GC()
			var m0, m1 runtime.MemStats
			runtime.ReadMemStats(&m0)
			t0 := time.Now()
			if err := fn(); err != nil {
				return 0, 0, err
			}
			d := time.Since(t0)
			runtime.ReadMemStats(&m1)
			per := float64(*frames * *hops)
			nss = append(nss, float64(d.Nanoseconds())/per)
			as = append(as, float64(m1.Mallocs-m0.Mallocs)/per)
		}
		slices.Sort(nss)
		slices.Sort(as)
		return nss[len(nss)/2], as[len(as)/2], nil
	}
	comparisons := []struct {
		name string
		ours func() error
	}{
		{fmt.Sprintf("core-%dhops-%dx%d-recv", *hops, w, h), ours(stage.Pass[frame.Video]())},
		{fmt.Sprintf("core-%dhops-%dx%d-range", *hops, w, h), ours(iterHop)},
	}
	fmt.Printf("# %d frames of %dx%d I420 through %d hops, capacity %d, GOMAXPROCS %d, median of %d runs\n",
		*frames, w, h, *hops, capacity, runtime.GOMAXPROCS(0), *runs)
	if *profile != "" {
		f, err := os.Create(*profile)
		if err != nil {
			return err
		}
		defer f.Close()
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		for range *runs {
			if err := comparisons[0].ours(); err != nil {
				return err
			}
		}
		pprof.StopCPUProfile()
	}
	for _, c := range comparisons {
		// Alternate the two sides so drift in machine load hits both.
		o, oa, err := measure(c.ours)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		b, ba, err := measure(raw)
		if err != nil {
			return err
		}
		report(c.name, o, b, "ns/frame/hop", fmt.Sprintf(" (allocs/frame/hop: ours %.3f, baseline %.3f)", oa, ba))
	}
	if err := runLatency(pool, 20000); err != nil {
		return err
	}
	if live := frame.Live(); live != 0 {
		return fmt.Errorf("%d frame handles leaked", live)
	}
	return nil
}
