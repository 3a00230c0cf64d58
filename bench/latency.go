// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// runLatency prints the latency one stage adds: the time from a Send to
// the next stage's receive, p50 and p99 over n frames, through a graph
// and through a raw channel, with the source paced (idle pipeline: every
// frame finds the next stage waiting) and at full speed (loaded: links
// full, so the figure includes queueing).
func runLatency(pool *frame.VideoPool, n int) error {
	for _, load := range []struct {
		name string
		gap  time.Duration
	}{{"idle", 200 * time.Microsecond}, {"loaded", 0}} {
		ours, err := latencyOurs(pool, n, load.gap)
		if err != nil {
			return err
		}
		raw := latencyRaw(pool, n, load.gap)
		for _, q := range []struct {
			name string
			p    float64
		}{{"p50", 0.50}, {"p99", 0.99}} {
			o, b := quantile(ours, q.p), quantile(raw, q.p)
			report(fmt.Sprintf("core-latency-per-stage-%s-%s", load.name, q.name), float64(o.Microseconds())+float64(o%time.Microsecond)/1e3,
				float64(b.Microseconds())+float64(b%time.Microsecond)/1e3, "µs", "")
		}
	}
	return nil
}

// latencyOurs sends n frames stamped with their send time into a stage
// that records how long each took to arrive. The send time rides in the
// PTS, as a Duration since the start, so carrying it costs no allocation.
func latencyOurs(pool *frame.VideoPool, n int, gap time.Duration) ([]time.Duration, error) {
	epoch := time.Now()
	got := make([]time.Duration, 0, n)
	src := stage.SourceFunc[frame.Video](func(ctx context.Context, out stage.Out[frame.Video]) error {
		for range n {
			pace(gap)
			v := pool.Get()
			v.PTS = time.Since(epoch)
			if !out.Send(v) {
				return ctx.Err()
			}
		}
		return nil
	})
	sink := stage.SinkFunc[frame.Video](func(ctx context.Context, in stage.In[frame.Video]) error {
		for v := range in.All() {
			got = append(got, time.Since(epoch)-v.PTS)
			v.Release()
		}
		return nil
	})
	err := stream.Connect[frame.Video](src, nil, sink).Run(context.Background())
	return got, err
}

// latencyRaw is latencyOurs with a plain channel and two goroutines.
func latencyRaw(pool *frame.VideoPool, n int, gap time.Duration) []time.Duration {
	epoch := time.Now()
	ch := make(chan frame.Video, stage.DefaultCapacity)
	go func() {
		for range n {
			pace(gap)
			v := pool.Get()
			v.PTS = time.Since(epoch)
			ch <- v
		}
		close(ch)
	}()
	got := make([]time.Duration, 0, n)
	for v := range ch {
		got = append(got, time.Since(epoch)-v.PTS)
		v.Release()
	}
	return got
}

// pace waits about d without sleeping (a sleep's wake-up is the latency
// being measured elsewhere): a busy wait, as a capture thread would be.
func pace(d time.Duration) {
	if d <= 0 {
		return
	}
	for t := time.Now(); time.Since(t) < d; {
	}
}

func quantile(ds []time.Duration, p float64) time.Duration {
	s := slices.Clone(ds)
	slices.Sort(s)
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(p*float64(len(s))))]
}
