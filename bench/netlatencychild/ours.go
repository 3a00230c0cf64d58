// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// stopWithin bounds a graceful stop of either side.
const stopWithin = 5 * time.Second

func setLogLevels() error { return ffmpeg.SetLogLevel("error") }

// running is a graph run in the background.
type running struct {
	g      *stream.Graph
	cancel context.CancelFunc
	done   chan error
}

func runGraph(g *stream.Graph) *running {
	ctx, cancel := context.WithCancel(context.Background())
	r := &running{g: g, cancel: cancel, done: make(chan error, 1)}
	go func() { r.done <- g.Run(ctx) }()
	return r
}

// stop ends a sender gracefully: its output finishes the stream.
func (r *running) stop() error {
	r.g.StopWithin(stopWithin)
	err := <-r.done
	r.cancel()
	return err
}

// abort ends a receiver: once its sender has stopped, a live input has
// no frame to end its stream on, so it is cancelled.
func (r *running) abort() error {
	r.cancel()
	if err := <-r.done; !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// startOursSender runs numbered frames → our encoder → our output to
// c.sendURL, on backend c.sender.
func startOursSender(c config, l *ledger) (side, error) {
	enc, err := media.NewVideoEncoder(encoding(), c.sender)
	if err != nil {
		return nil, fmt.Errorf("encoder: %w", err)
	}
	out := media.Output{URL: c.sendURL, Video: frame.H264}
	if b, ok := media.Lookup(c.sender); !ok || b.Write == nil {
		return nil, media.Unsupported("backend %s writes nothing", c.sender)
	} else if _, err := b.Write(out); err != nil {
		return nil, fmt.Errorf("output %s: %w", c.sendURL, err) // another backend would write it
	}
	mux, err := media.Create(out, c.sender)
	if err != nil {
		return nil, fmt.Errorf("output %s: %w", c.sendURL, err)
	}
	pool, err := frame.NewVideoPool(frame.I420, c.w, c.h)
	if err != nil {
		return nil, err
	}
	src := stage.SourceFunc[frame.Video](func(ctx context.Context, out stage.Out[frame.Video]) error {
		var pace stage.Pacer
		for n := 0; ; n++ {
			pts := time.Duration(n) * frameDur
			if !pace.Wait(ctx, pts) {
				return ctx.Err()
			}
			v := pool.Get()
			planes, err := v.Planes(ctx)
			if err != nil {
				v.Release()
				return err
			}
			numbered(planes, v.Strides, c.w, c.h, n)
			v.PTS, v.DTS, v.Duration, v.Keyframe = pts, pts, frameDur, true
			l.send(n)
			if !out.Send(v) {
				return ctx.Err()
			}
		}
	})
	g := stream.New()
	p := stream.AddSource(g, "numbered", src)
	p = stream.AddTransform(g, "encode", p, enc)
	media.AddOutput(g, "send", mux, p, nil)
	return runGraph(g), nil
}

// numbered paints frame n into I420 planes: the stamped ramp in luma,
// grey chroma.
func numbered(planes [][]byte, strides [4]int, w, h, n int) {
	paint(planes[0], strides[0], w, h, n)
	for _, p := range planes[1:3] {
		for i := range p {
			p[i] = 128
		}
	}
}

// oursReceiver opens c.recvURL in the background (an open waits for the
// stream: a UDP port's first packets, a server's publish) and then runs
// open → decode → read the numbers, until stopped.
type oursReceiver struct {
	mu      sync.Mutex
	stopped bool
	run     *running
	opened  chan error
}

func startOursReceiver(c config, l *ledger) (side, error) {
	r := &oursReceiver{opened: make(chan error, 1)}
	go func() { r.opened <- r.open(c, l) }()
	return r, nil
}

func (r *oursReceiver) open(c config, l *ledger) error {
	d, err := media.Open(media.Input{URL: c.recvURL, Decode: true, NoAudio: true, Timeout: 10 * time.Second}, c.receiver)
	if err != nil {
		return fmt.Errorf("input %s: %w", c.recvURL, err)
	}
	g := stream.New()
	vp, _ := media.AddInput(g, "receive", d)
	if vp == nil {
		return errors.New("input " + c.recvURL + ": no video")
	}
	stream.AddSink(g, "read", vp, stage.SinkFunc[frame.Video](func(ctx context.Context, in stage.In[frame.Video]) error {
		for v := range in.All() {
			if planes, err := v.Planes(ctx); err == nil {
				l.receive(planes[0], v.Strides[0])
			}
			v.Release()
		}
		return nil
	}))
	r.mu.Lock()
	defer r.mu.Unlock()
	r.run = runGraph(g)
	if r.stopped {
		return r.run.abort()
	}
	return nil
}

func (r *oursReceiver) stop() error {
	r.mu.Lock()
	r.stopped = true
	run := r.run
	r.mu.Unlock()
	if run == nil {
		select {
		case err := <-r.opened:
			return fmt.Errorf("the input never opened: %w", err)
		case <-time.After(stopWithin):
			return errors.New("the input never opened")
		}
	}
	return errors.Join(run.abort(), <-r.opened)
}
