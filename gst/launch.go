// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"
	"unsafe"

	gogst "github.com/go-gst/go-gst/gst"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Pipeline is a whole GStreamer pipeline from a launch description, with its
// lifecycle in your hands — gst-launch-1.0 as a library. Bus errors,
// warnings, state changes and EOS reach OnEvent; Wait returns at EOS or the
// first error. Named appsink and appsrc elements become stages with AppSink
// and AppSrc, so a pipeline can feed and be fed by a stream graph.
//
// Stop (or Wait's end, followed by Stop) sets it to NULL and frees it; a
// Pipeline must be stopped once, or GStreamer's objects leak.
type Pipeline struct {
	p *pipeline
}

// Launch parses description into a pipeline, not yet playing. onEvent, when
// not nil, receives every bus message, from a goroutine of the pipeline's.
func Launch(description string, onEvent func(Event)) (*Pipeline, error) {
	p, err := newPipeline(description, onEvent)
	if err != nil {
		return nil, err
	}
	return &Pipeline{p: p}, nil
}

// Start sets the pipeline playing. It returns GStreamer's reason when an
// element refuses (a missing file, a busy device).
func (pl *Pipeline) Start() error { return pl.p.setState(StatePlaying) }

// Pause sets the pipeline paused (prerolled).
func (pl *Pipeline) Pause() error { return pl.p.setState(StatePaused) }

// State returns the current state, waiting at most timeout for a change in
// progress to finish.
func (pl *Pipeline) State(timeout time.Duration) State {
	return State(C.streamer_get_state(pl.p.el, C.GstClockTime(timeout)))
}

// SendEOS asks every source to finish: the pipeline drains and then posts
// EOS, so muxers write their trailers.
func (pl *Pipeline) SendEOS() { C.gst_element_send_event(pl.p.el, C.gst_event_new_eos()) }

// Wait returns nil at the end of stream, the first bus error, or ctx.Err().
func (pl *Pipeline) Wait(ctx context.Context) error {
	select {
	case <-pl.p.eos:
		return pl.p.Err()
	case <-pl.p.failed:
		return pl.p.Err()
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Position returns the playback position, when the pipeline knows it.
func (pl *Pipeline) Position() (time.Duration, bool) {
	var v C.gint64
	ok := C.streamer_query_position(pl.p.el, &v) != 0
	return time.Duration(v), ok
}

// Duration returns the stream's duration, when the pipeline knows it.
func (pl *Pipeline) Duration() (time.Duration, bool) {
	var v C.gint64
	ok := C.streamer_query_duration(pl.p.el, &v) != 0
	return time.Duration(v), ok
}

// Err returns the first error the bus reported, or nil.
func (pl *Pipeline) Err() error { return pl.p.Err() }

// Stop sets the pipeline to NULL and frees it. It is safe to call twice.
// Stages made with AppSink and AppSrc must have returned first.
func (pl *Pipeline) Stop() { pl.p.stop() }

// Gst returns the pipeline as a go-gst object, with a reference of its own,
// for what this package does not wrap (seeking, properties, clocks). Do not
// use it after Stop.
func (pl *Pipeline) Gst() *gogst.Pipeline {
	return gogst.FromGstPipelineUnsafeNone(unsafe.Pointer(pl.p.el))
}

// AppSink returns a source stage that reads the appsink called name in pl.
// Call it before Start: it restricts the appsink's caps to the formats
// streamer has, which must be in place when the pipeline negotiates. The
// stage ends at the appsink's end of stream, on the pipeline's first error,
// or on cancel (which stops the whole pipeline).
func AppSink[T frame.Frame](pl *Pipeline, name string) (stage.Source[T], error) {
	sink, err := newPuller[T](pl.p, name, defaultQueue)
	if err != nil {
		return nil, err
	}
	return &appSink[T]{pl: pl, name: name, sink: sink}, nil
}

type appSink[T frame.Frame] struct {
	pl   *Pipeline
	name string
	sink *puller[T]
}

func (s *appSink[T]) Name() string { return "appsink(" + s.name + ")" }

func (s *appSink[T]) Run(ctx context.Context, out stage.Out[T]) error {
	defer s.sink.close()
	defer s.pl.p.onCancel(ctx)()
	return readerGone(ctx, s.sink.sendAll(ctx, out))
}

// AppSrc returns a sink stage that pushes frames into the appsrc called
// name in pl, setting its caps from the frames, and ends that appsrc's
// stream at the end of input (Wait then sees EOS once the pipeline drains).
func AppSrc[T frame.Frame](pl *Pipeline, name string) (stage.Sink[T], error) {
	src, err := newPusher[T](pl.p, name, defaultQueue)
	if err != nil {
		return nil, err
	}
	return &appSrc[T]{pl: pl, name: name, src: src}, nil
}

type appSrc[T frame.Frame] struct {
	pl   *Pipeline
	name string
	src  *pusher[T]
}

func (s *appSrc[T]) Name() string { return "appsrc(" + s.name + ")" }

func (s *appSrc[T]) Run(ctx context.Context, in stage.In[T]) error {
	defer s.pl.p.onCancel(ctx)()
	defer s.src.endOnCancel(ctx)()
	for {
		v, ok := in.Recv()
		if !ok {
			s.src.endOfStream()
			return ctx.Err()
		}
		if err := s.src.push(ctx, v); err != nil {
			return err
		}
	}
}

// ErrNoCamera is wrapped by the error of a Camera that finds no device.
var ErrNoCamera = errors.New("no capture device found")

// Cameras lists the V4L2 capture device nodes (/dev/video*), sorted.
func Cameras() []string {
	devs, _ := filepath.Glob("/dev/video*")
	sort.Strings(devs)
	return devs
}

// Camera is a source of video from a V4L2 camera through v4l2src. Raw
// formats come out as raw frames, MJPEG and H264 cameras as encoded frames
// (H264 made self-delimited by h264parse). Buffers are passed on without a
// copy; v4l2src re-queues a buffer when its last frame reference is
// released.
type Camera struct {
	// Device is the device node; empty means the first of Cameras().
	Device string
	// Width, Height and FPS, when set, are asked of the camera.
	Width, Height int
	FPS           frame.Rational
	// Format, when set, is asked of the camera: YUY2, NV12, I420, MJPEG
	// or H264.
	Format frame.Format
	// Queue is how many frames the appsink holds (default 2).
	Queue   int
	OnEvent func(Event)
}

// Name returns "camera".
func (*Camera) Name() string { return "camera" }

// Description returns the launch description Run would play, or the reason
// there is none (no device).
func (c *Camera) Description() (string, error) {
	dev := c.Device
	if dev == "" {
		devs := Cameras()
		if len(devs) == 0 {
			return "", fmt.Errorf("gst: %w: no /dev/video* device exists (connect a camera, or check the container's devices)", ErrNoCamera)
		}
		dev = devs[0]
	}
	if _, err := os.Stat(dev); err != nil {
		return "", fmt.Errorf("gst: %w at %s: %w", ErrNoCamera, dev, err)
	}
	var caps []string
	switch c.Format {
	case frame.FormatUnknown:
		caps = append(caps, "video/x-raw")
	case frame.MJPEG:
		caps = append(caps, "image/jpeg")
	case frame.H264:
		caps = append(caps, "video/x-h264")
	default:
		name, ok := rawVideo[c.Format]
		if !ok {
			return "", fmt.Errorf("gst: a camera cannot deliver %v", c.Format)
		}
		caps = append(caps, "video/x-raw,format="+name)
	}
	if c.Width > 0 && c.Height > 0 {
		caps = append(caps, fmt.Sprintf("width=%d,height=%d", c.Width, c.Height))
	}
	if c.FPS.Num > 0 && c.FPS.Den > 0 {
		caps = append(caps, fmt.Sprintf("framerate=%d/%d", c.FPS.Num, c.FPS.Den))
	}
	desc := fmt.Sprintf("v4l2src device=%s ! %s", dev, strings.Join(caps, ","))
	if c.Format == frame.H264 {
		desc += " ! h264parse config-interval=-1"
	}
	return desc, nil
}

// Run captures until cancelled or the device fails (unplugged: the error
// names the device).
func (c *Camera) Run(ctx context.Context, out stage.Out[frame.Video]) error {
	desc, err := c.Description()
	if err != nil {
		return err
	}
	src := &Source[frame.Video]{Description: desc, Queue: c.Queue, OnEvent: c.OnEvent}
	return src.Run(ctx, out)
}

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

// push feeds the connected inputs into p until both end, then finishes
// the file.
func (m *MuxSink) push(ctx context.Context, p *pipeline, video stage.In[frame.Video], audio stage.In[frame.Audio], vh head[frame.Video], ah head[frame.Audio]) error {
	var feeds []func(ready *sync.WaitGroup, start func(), started chan error) error
	var shifts []*time.Duration
	if vh.present {
		vs, err := newPusher[frame.Video](p, "streamer_video", defaultQueue)
		if err != nil {
			vh.release()
			ah.release()
			return err
		}
		defer vs.endOnCancel(ctx)()
		shifts = append(shifts, &vs.shift)
		feeds = append(feeds, func(ready *sync.WaitGroup, start func(), started chan error) error {
			return feed(ctx, p, vs, video, vh.v, vh.ok, ready, start, started)
		})
	}
	if ah.present {
		as, err := newPusher[frame.Audio](p, "streamer_audio", defaultQueue)
		if err != nil {
			vh.release()
			ah.release()
			return err
		}
		defer as.endOnCancel(ctx)()
		shifts = append(shifts, &as.shift)
		feeds = append(feeds, func(ready *sync.WaitGroup, start func(), started chan error) error {
			return feed(ctx, p, as, audio, ah.v, ah.ok, ready, start, started)
		})
	}
	// A muxer that cannot write a DTS before zero gets both streams
	// shifted by the first video frame's reordering delay, as FFmpeg's
	// muxers do (avoid_negative_ts): the file starts that much later, but
	// its DTS increase and audio stays aligned with video.
	if noNegativeDTS[elementOf(m.Muxer)] && vh.ok && vh.v.DTS < 0 {
		for _, s := range shifts {
			*s = -vh.v.DTS
		}
	}
	// Play only once each input has caps (or has ended), so the muxer
	// knows every stream before it writes its header.
	var ready sync.WaitGroup
	ready.Add(len(feeds))
	started := make(chan error, 1)
	var once sync.Once
	start := func() {
		once.Do(func() {
			ready.Wait()
			started <- p.setState(StatePlaying)
		})
	}
	errs := make(chan error, len(feeds))
	for _, f := range feeds {
		go func() { errs <- f(&ready, start, started) }()
	}
	var all []error
	for range feeds {
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
var noNegativeDTS = map[string]bool{"flvmux": true}

// muxerPads names the video and audio pads of the muxers whose request
// pads a launch description cannot pick by caps (hlssink2's take ANY).
var muxerPads = map[string][2]string{"hlssink2": {"video", "audio"}}

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
