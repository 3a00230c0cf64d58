// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"
	"errors"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

const (
	sinkName = "streamer_sink"
	srcName  = "streamer_src"
	// defaultQueue is how many buffers an appsink or appsrc holds: enough
	// to keep GStreamer's threads busy, few enough that raw video does not
	// pile up (the design's RSS budget allows about two raw frames).
	defaultQueue = 2
	// eosTimeout bounds the wait for a sink to finish its file.
	eosTimeout = 30 * time.Second
	// cancelEOSTimeout bounds it when the run was cancelled, so Run still
	// returns promptly but a muxer gets to write its trailer.
	cancelEOSTimeout = time.Second
	// cancelGrace is how long a cancelled sink may take to push the frames
	// it already took before a stuck push is forced to return.
	cancelGrace = 200 * time.Millisecond
)

// Source is a stage that runs a GStreamer launch description and sends the
// frames that reach its end, e.g.
//
//	gst.NewSource[frame.Video]("videotestsrc num-buffers=300 ! video/x-raw,width=1280,height=720")
//
// The backend appends an appsink that accepts every raw and encoded format
// streamer has (see acceptCaps); end the description with a caps filter or
// videoconvert when the source offers something else. Caps become the
// frames' format, size, strides, PTS, duration and keyframe flag. Frames
// carry the GstBuffer itself (FrameData): nothing is copied.
type Source[T frame.Frame] struct {
	Description string
	// Queue is how many frames the appsink holds (default 2).
	Queue int
	// OnEvent, when set, receives the pipeline's bus messages.
	OnEvent func(Event)
}

// NewSource returns a source running description.
func NewSource[T frame.Frame](description string) *Source[T] {
	return &Source[T]{Description: description}
}

// Name returns "gst-source".
func (*Source[T]) Name() string { return "gst-source" }

// Run plays the pipeline and sends its frames until it ends (nil), fails
// (the bus error, after the frames produced before it; through
// stage.AfterDrain when there were some, so the stages downstream finish
// them too), or ctx is
// cancelled. The pipeline is back in NULL and freed when Run returns.
func (s *Source[T]) Run(ctx context.Context, out stage.Out[T]) error {
	p, err := newPipeline(s.Description+" ! appsink name="+sinkName, s.OnEvent)
	if err != nil {
		return err
	}
	defer p.stop()
	pl, err := newPuller[T](p, sinkName, queue(s.Queue))
	if err != nil {
		return err
	}
	defer pl.close()
	defer p.onCancel(ctx)()
	if err := p.setState(StatePlaying); err != nil {
		return err
	}
	err = readerGone(ctx, pl.sendAll(ctx, out))
	return afterFrames(ctx, err, pl.sent > 0)
}

// afterFrames returns an element's error that came after frames through
// stage.AfterDrain, so the stages downstream finish those frames before
// the run ends with it. Errors before any frame, caps that do not
// negotiate, missing elements and cancels are returned as they are.
func afterFrames(ctx context.Context, err error, sent bool) error {
	var be *Error
	if !sent || ctx.Err() != nil || !errors.As(err, &be) || errors.Is(err, ErrNotNegotiated) || errors.Is(err, ErrMissingElement) {
		return err
	}
	return stage.AfterDrain(err)
}

// readerGone maps sendAll's errReaderGone to ctx.Err().
func readerGone(ctx context.Context, err error) error {
	if errors.Is(err, errReaderGone) {
		return ctx.Err()
	}
	return err
}

func queue(n int) int {
	if n <= 0 {
		return defaultQueue
	}
	return n
}

// Sink is a stage that pushes frames into a GStreamer launch fragment, e.g.
//
//	gst.NewSink[frame.Video]("videoconvert ! x264enc ! mp4mux ! filesink location=out.mp4")
//
// The backend prepends an appsrc whose caps follow the frames (and change
// when they do). At the end of input it sends EOS and waits for it on the
// bus, so muxers finish their files; on cancel it does the same, waiting at
// most a second. Frames from gst stages are pushed as the same GstBuffer;
// CPU frames are wrapped without a copy when their planes are one block of
// memory, else copied once (counted by frame.CopiedBytes).
type Sink[T frame.Frame] struct {
	Description string
	Queue       int // frames the appsrc holds (default 2)
	OnEvent     func(Event)
}

// NewSink returns a sink into description.
func NewSink[T frame.Frame](description string) *Sink[T] {
	return &Sink[T]{Description: description}
}

// Name returns "gst-sink".
func (*Sink[T]) Name() string { return "gst-sink" }

// Run pushes frames until the end of input, then finishes the pipeline.
func (s *Sink[T]) Run(ctx context.Context, in stage.In[T]) error {
	p, err := newPipeline("appsrc name="+srcName+" ! "+s.Description, s.OnEvent)
	if err != nil {
		return err
	}
	defer p.stop()
	ps, err := newPusher[T](p, srcName, queue(s.Queue))
	if err != nil {
		return err
	}
	defer ps.endOnCancel(ctx)()
	started := false
	for {
		v, ok := in.Recv()
		if !ok {
			break
		}
		if !started {
			// Caps first, so the pipeline negotiates from the first frame.
			if _, err := ps.setCaps(ps.facts(v)); err != nil {
				v.Release()
				return err
			}
			if err := p.setState(StatePlaying); err != nil {
				v.Release()
				return err
			}
			started = true
		}
		if err := ps.push(ctx, v); err != nil {
			return err
		}
	}
	if !started {
		return ctx.Err()
	}
	ps.endOfStream()
	if ctx.Err() != nil {
		// Cancelled: still give the muxer its trailer, briefly.
		_ = p.waitEOS(context.Background(), cancelEOSTimeout)
		return ctx.Err()
	}
	return p.waitEOS(ctx, eosTimeout)
}

// Transform is a stage that runs frames through a GStreamer launch
// fragment, e.g.
//
//	gst.NewTransform[frame.Video, frame.Video]("videoconvert ! videoscale ! video/x-raw,width=640,height=360")
//
// between an appsrc (caps from the incoming frames, renegotiated when they
// change) and an appsink. Frames in and out stay GstBuffers.
type Transform[I, O frame.Frame] struct {
	Description string
	Queue       int
	OnEvent     func(Event)
	name        string
	// setup, when set, prepares the pipeline before it plays (settings
	// for the decoders a decodebin plugs).
	setup func(*pipeline)
}

// NewTransform returns a transform through description.
func NewTransform[I, O frame.Frame](description string) *Transform[I, O] {
	return &Transform[I, O]{Description: description}
}

// Name returns the transform's name: "gst-transform", or what an Encoder or
// Decoder set.
func (t *Transform[I, O]) Name() string {
	if t.name != "" {
		return t.name
	}
	return "gst-transform"
}

// Run pushes frames in from this goroutine and pulls frames out from a
// second one, until the end of input has come out the other side.
func (t *Transform[I, O]) Run(ctx context.Context, in stage.In[I], out stage.Out[O]) error {
	p, err := newPipeline("appsrc name="+srcName+" ! "+t.Description+" ! appsink name="+sinkName, t.OnEvent)
	if err != nil {
		return err
	}
	defer p.stop()
	if t.setup != nil {
		t.setup(p)
	}
	ps, err := newPusher[I](p, srcName, queue(t.Queue))
	if err != nil {
		return err
	}
	pl, err := newPuller[O](p, sinkName, queue(t.Queue))
	if err != nil {
		return err
	}
	defer pl.close()
	defer p.onCancel(ctx)()

	pulled := make(chan error, 1)
	started := false
	start := func(first I) error {
		if _, err := ps.setCaps(ps.facts(first)); err != nil {
			return err
		}
		if err := p.setState(StatePlaying); err != nil {
			return err
		}
		go func() {
			err := pl.sendAll(ctx, out)
			if errors.Is(err, errReaderGone) {
				// Stop the pipeline so the pusher unblocks; Run then
				// ends quietly.
				p.stopPlaying()
			}
			pulled <- err
		}()
		started = true
		return nil
	}
	var pushErr error
	for {
		v, ok := in.Recv()
		if !ok {
			break
		}
		if !started {
			if err := start(v); err != nil {
				v.Release()
				return err
			}
		}
		if err := ps.push(ctx, v); err != nil {
			pushErr = err
			break
		}
	}
	if !started {
		return ctx.Err()
	}
	ps.endOfStream()
	pullErr := <-pulled
	switch {
	case errors.Is(pullErr, errReaderGone):
		return ctx.Err() // the reader finished early: not an error
	case pullErr != nil:
		return afterFrames(ctx, pullErr, pl.sent > 0) // a bus error (the cause) or the cancel
	}
	return pushErr
}

// stopPlaying sets the pipeline to NULL without freeing it.
func (p *pipeline) stopPlaying() { _ = p.setState(StateNull) }
