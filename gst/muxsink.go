// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// MuxSink writes a video and an audio stream into one container, in sync: a
// stage with two inputs (see stream.Graph.Add). Each input has its own
// appsrc and fragment (encoders, parsers), and both meet in the muxer:
//
//	appsrc ! <Video> ! queue ! mux.   appsrc ! <Audio> ! queue ! mux.   <Muxer> name=mux ! <Output>
//
// The muxer interleaves by timestamp, so frames of both inputs must share a
// time origin (as a demuxer's or a capture's do). At the end of both inputs
// it sends EOS and waits, so the file is finished; on cancel it does the
// same, waiting at most a second.
type MuxSink struct {
	// Video and Audio are the fragments of each input, e.g.
	// "videoconvert ! x264enc ! h264parse", or "identity" for encoded
	// frames; empty picks MuxParser of the input's first frame's format.
	Video string
	Audio string // e.g. "audioconvert ! avenc_aac ! aacparse"
	Muxer string // e.g. "mp4mux"
	// Output is what follows the muxer, e.g. "filesink location=out.mp4";
	// empty when the muxer is a sink itself (hlssink2, rtspclientsink).
	Output string
	// OnEvent receives the bus messages.
	OnEvent func(Event)
}

// Name returns "gst-mux".
func (*MuxSink) Name() string { return "gst-mux" }

// head is an input's first frame, received before the pipeline is built.
type head[T frame.Frame] struct {
	v       T
	ok      bool // v is a frame (the input did not end at once)
	present bool // the input is connected
}

func (h *head[T]) release() {
	if h.ok {
		h.v.Release()
		h.ok = false
	}
}

// Run pushes both inputs, each from its own goroutine, until both end.
// Either input may be the zero stage.In, not connected: the container then
// holds the other stream only. The first frame of each input is received
// (concurrently: either may wait on the other's upstream) before the
// pipeline is built, so that empty fragments can follow the formats.
func (m *MuxSink) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
	vh := head[frame.Video]{present: video != stage.In[frame.Video]{}}
	ah := head[frame.Audio]{present: audio != stage.In[frame.Audio]{}}
	if !vh.present && !ah.present {
		return errors.New("gst: mux: neither input is connected")
	}
	var heads sync.WaitGroup
	if vh.present {
		heads.Go(func() { vh.v, vh.ok = video.Recv() })
	}
	if ah.present {
		heads.Go(func() { ah.v, ah.ok = audio.Recv() })
	}
	heads.Wait()
	p, err := newPipeline(m.description(vh, ah), m.OnEvent)
	if err != nil {
		vh.release()
		ah.release()
		return err
	}
	defer p.stop()
	return m.push(ctx, p, video, audio, vh, ah)
}

// description is the launch description for inputs with these heads.
func (m *MuxSink) description(vh head[frame.Video], ah head[frame.Audio]) string {
	var parts []string
	pads := muxerPads[elementOf(m.Muxer)]
	if vh.present {
		parts = append(parts, "appsrc name=streamer_video ! "+fragment(m.Video, vh.v.Format, vh.ok)+" ! queue ! mux."+pads[0])
	}
	if ah.present {
		parts = append(parts, "appsrc name=streamer_audio ! "+fragment(m.Audio, ah.v.Format, ah.ok)+" ! queue ! mux."+pads[1])
	}
	mux := m.Muxer + " name=mux"
	if m.Output != "" {
		mux += " ! " + m.Output
	}
	return strings.Join(append(parts, mux), " ")
}

// fragment is desc, or when it is empty the parser for frames of format f.
func fragment(desc string, f frame.Format, known bool) string {
	switch {
	case desc != "":
		return desc
	case known:
		return MuxParser(f)
	}
	return "identity"
}

// muxInput is one connected input of a MuxSink, ready to push.
type muxInput struct {
	shift *time.Duration // of its pusher's timestamps
	end   func()         // stops ending its stream on cancel
	feed  func(ready *sync.WaitGroup, start func(), started chan error) error
}

// addInput appends to ins the input of a MuxSink that pushes in, whose
// first frame is h, into the appsrc called name; ins is unchanged on error.
func addInput[T frame.Frame](ctx context.Context, p *pipeline, ins []muxInput, name string, in stage.In[T], h head[T]) ([]muxInput, error) {
	ps, err := newPusher[T](p, name, defaultQueue)
	if err != nil {
		return ins, err
	}
	return append(ins, muxInput{
		shift: &ps.shift,
		end:   ps.endOnCancel(ctx),
		feed: func(ready *sync.WaitGroup, start func(), started chan error) error {
			return feed(ctx, p, ps, in, h.v, h.ok, ready, start, started)
		},
	}), nil
}

// push feeds the connected inputs into p until both end, then finishes
// the file.
func (m *MuxSink) push(ctx context.Context, p *pipeline, video stage.In[frame.Video], audio stage.In[frame.Audio], vh head[frame.Video], ah head[frame.Audio]) error {
	var ins []muxInput
	var err error
	if vh.present {
		ins, err = addInput(ctx, p, ins, "streamer_video", video, vh)
	}
	if ah.present && err == nil {
		ins, err = addInput(ctx, p, ins, "streamer_audio", audio, ah)
	}
	defer func() {
		for _, in := range slices.Backward(ins) {
			in.end()
		}
	}()
	if err != nil {
		vh.release()
		ah.release()
		return err
	}
	// A muxer that cannot write a DTS before zero gets both streams
	// shifted by the first video frame's reordering delay, as FFmpeg's
	// muxers do (avoid_negative_ts): the file starts that much later, but
	// its DTS increase and audio stays aligned with video.
	if noNegativeDTS[elementOf(m.Muxer)] && vh.ok && vh.v.DTS < 0 {
		for _, in := range ins {
			*in.shift = -vh.v.DTS
		}
	}
	// Play only once each input has caps (or has ended), so the muxer
	// knows every stream before it writes its header.
	var ready sync.WaitGroup
	ready.Add(len(ins))
	started := make(chan error, 1)
	var once sync.Once
	start := func() {
		once.Do(func() {
			ready.Wait()
			started <- p.setState(StatePlaying)
		})
	}
	errs := make(chan error, len(ins))
	for _, in := range ins {
		go func() { errs <- in.feed(&ready, start, started) }()
	}
	var all []error
	for range ins {
		all = append(all, <-errs)
	}
	return m.finish(ctx, p, errors.Join(all...))
}

// finish waits for the file to be finished after the inputs ended with
// err: a cancel (context.Canceled or a deadline) still finishes it, for
// at most a second.
func (m *MuxSink) finish(ctx context.Context, p *pipeline, err error) error {
	if err != nil && (ctx.Err() == nil || !errors.Is(err, ctx.Err())) {
		return err
	}
	if ctx.Err() != nil {
		_ = p.waitEOS(context.Background(), cancelEOSTimeout)
		return ctx.Err()
	}
	return p.waitEOS(ctx, eosTimeout)
}

// noNegativeDTS names the muxers that clamp a DTS before zero to zero
// (FLV stores unsigned timestamps), which would make DTS repeat.
var noNegativeDTS = map[string]bool{"flvmux": true} //nolint:gochecknoglobals // a table: muxers that clamp negative DTS

// muxerPads names the video and audio pads of the muxers whose request
// pads a launch description cannot pick by caps (hlssink2's take ANY).
var muxerPads = map[string][2]string{"hlssink2": {"video", "audio"}} //nolint:gochecknoglobals // a table: request pads by muxer

// elementOf returns the element a launch fragment starts with
// ("flvmux streamable=true" gives "flvmux").
func elementOf(desc string) string {
	if f := strings.Fields(desc); len(f) > 0 {
		return f[0]
	}
	return ""
}

// feed pushes one input of a MuxSink: head first, when it has one.
func feed[T frame.Frame](ctx context.Context, p *pipeline, ps *pusher[T], in stage.In[T], head T, hasHead bool, ready *sync.WaitGroup, start func(), started chan error) error {
	first := true
	wait := func() error {
		ready.Done()
		start()
		err := <-started
		started <- err // the other input reads it too
		return err
	}
	for {
		v, ok := head, hasHead
		if hasHead {
			hasHead = false
		} else {
			v, ok = in.Recv()
		}
		if !ok {
			break
		}
		if first {
			first = false
			if _, err := ps.setCaps(ps.facts(v)); err != nil {
				v.Release()
				// End this input's stream, so the muxer does not wait on
				// it while the other input fills the pipeline.
				ps.endOfStream()
				ready.Done()
				return err
			}
			if err := wait(); err != nil {
				v.Release()
				return err
			}
		}
		if err := ps.push(ctx, v); err != nil {
			return err
		}
	}
	if first {
		if err := wait(); err != nil {
			return err
		}
	}
	ps.endOfStream()
	return ctx.Err()
}
