// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func init() {
	suites["soak"] = suite{"a live camera-like graph for a long time: RSS, goroutines and live handles over time", runSoak}
}

// runSoak runs a live graph — test source → tee → (encode → decode → scale
// → sink) and (preview sink, drop-oldest) — and prints RSS, goroutines and
// live frame handles every interval. At the end it fits a line to the RSS
// samples after the warm-up and fails when it grows faster than -max-growth.
func runSoak(args []string) error {
	fs := newFlags("soak")
	duration := fs.Duration("duration", time.Minute, "how long to run")
	interval := fs.Duration("interval", 10*time.Second, "how often to print a sample")
	warmup := fs.Duration("warmup", 20*time.Second, "samples before this are not used for the slope")
	maxGrowth := fs.Float64("max-growth", 1.0, "fail above this RSS slope, MB per minute")
	size := fs.String("size", "640x360", "frame size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Preset: "ultrafast", LowLatency: true, KeyframeInterval: 60})
	if err != nil {
		return err
	}
	dec, err := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264})
	if err != nil {
		return err
	}
	var w, h int
	if _, err := fmt.Sscanf(*size, "%dx%d", &w, &h); err != nil {
		return fmt.Errorf("-size %q: want WxH", *size)
	}
	g := stream.New()
	cam := stream.AddSource(g, "camera", gst.NewSource[frame.Video](fmt.Sprintf(
		"videotestsrc is-live=true pattern=ball ! video/x-raw,format=I420,width=%d,height=%d,framerate=30/1", w, h)))
	branches := stream.AddTee(g, "tee", cam, 2, stream.Capacity(4))
	encoded := stream.AddTransform(g, "encode", branches[0], enc)
	decoded := stream.AddTransform(g, "decode", encoded, dec)
	scaled := stream.AddTransform(g, "scale", decoded, gst.NewTransform[frame.Video, frame.Video](
		fmt.Sprintf("videoscale ! video/x-raw,width=%d,height=%d", w/2, h/2)))
	sink := &stage.Null[frame.Video]{}
	stream.AddSink(g, "sink", scaled, sink)
	preview := &stage.Null[frame.Video]{}
	stream.AddSink(g, "preview", stream.AddTransform(g, "pass", branches[1], stage.Pass[frame.Video](), stream.DropOldest(), stream.Capacity(2)), preview)

	ctx, cancel := context.WithTimeout(context.Background(), *duration)
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- g.Run(ctx) }()

	start := time.Now()
	var ts, rss []float64
	sample := func(fit bool) {
		r := rssMB()
		t := time.Since(start)
		var ms runtime.MemStats
		runtime.ReadMemStats(&ms)
		fmt.Printf("soak: t=%-6v rss=%.1fMB go-heap=%.1fMB goroutines=%d live=%d frames=%d preview=%d\n",
			t.Round(time.Second), r, float64(ms.HeapInuse)/1e6, runtime.NumGoroutine(), frame.Live(), sink.Count(), preview.Count())
		if fit && t >= *warmup {
			ts, rss = append(ts, t.Minutes()), append(rss, r)
		}
	}
	tick := time.NewTicker(*interval)
	defer tick.Stop()
	sample(false)
	for running := true; running; {
		select {
		case err := <-done:
			if err != nil && ctx.Err() == nil {
				return err
			}
			running = false
		case <-tick.C:
			sample(true)
		}
	}
	sample(false) // after the run: not part of the fit
	if live := frame.Live(); live != 0 {
		return fmt.Errorf("soak: %d frame handles alive after the run", live)
	}
	if len(rss) < 3 {
		fmt.Println("soak: too short after the warm-up to fit a slope")
		return nil
	}
	slope := slopeOf(ts, rss)
	fmt.Printf("soak: rss first %.1f MB, last %.1f MB, slope %.2f MB/min over %d samples after %v\n",
		rss[0], rss[len(rss)-1], slope, len(rss), *warmup)
	if slope > *maxGrowth {
		return fmt.Errorf("soak: RSS grows %.2f MB/min, more than %.2f", slope, *maxGrowth)
	}
	return nil
}

// slopeOf is the least-squares slope of y over x.
func slopeOf(x, y []float64) float64 {
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx, sy, sxx, sxy = sx+x[i], sy+y[i], sxx+x[i]*x[i], sxy+x[i]*y[i]
	}
	n := float64(len(x))
	return (n*sxy - sx*sy) / (n*sxx - sx*sx)
}

// rssMB reads the process's resident set size from /proc.
func rssMB() float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}
