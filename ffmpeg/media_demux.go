// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"syscall"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// demuxer is an opened input of package media: a Demux whose input was
// probed at Open and is kept open for the first Run (so that a pipe or a
// live source is not read twice); a later Run opens it again.
type demuxer struct {
	in      media.Input
	d       *Demux
	streams media.Streams
	held    *heldInput
}

// heldInput is the input probed at Open until Run takes it. A demuxer
// dropped without Run (or Close) has it closed by a cleanup, as a safety
// net.
type heldInput struct {
	mu sync.Mutex
	in *input
}

func (h *heldInput) take() *input {
	h.mu.Lock()
	defer h.mu.Unlock()
	in := h.in
	h.in = nil
	return in
}

func (h *heldInput) close() {
	if in := h.take(); in != nil {
		in.close()
	}
}

// openInput opens and probes in now: a missing file fails here (errors.Is
// fs.ErrNotExist), as does an input with nothing to send, and a network
// input that sends nothing for its stall timeout (media.ErrTimeout). Streams are the
// first video and the first audio stream, less those left out; without
// Decode, a stream whose codec streamer has no Format for is left out too
// (it could not be described to the stages after).
func openInput(in media.Input) (media.Demuxer, error) {
	d := &Demux{URL: in.URL, Realtime: in.Realtime}
	if dev, ok := in.Device(); ok {
		// A V4L2 capture device, through libavdevice.
		d.URL, d.Format, d.Options = dev, "video4linux2", map[string]string{}
		if in.Width > 0 {
			d.Options["video_size"] = fmt.Sprintf("%dx%d", in.Width, in.Height)
		}
		if in.FPS.Num > 0 {
			d.Options["framerate"] = fmt.Sprintf("%d/%d", in.FPS.Num, in.FPS.Den)
		}
	}
	liveInput(d, in)
	ctx := context.Background()
	limit := openLimit(in)
	if limit > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, limit)
		defer cancel()
	}
	fi, err := d.open(ctx)
	if err == nil && ctx.Err() != nil {
		// The deadline interrupted the probe after it had enough to
		// return: a read cut mid-message leaves the input unusable.
		fi.close()
		err = ctx.Err()
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return nil, fmt.Errorf("ffmpeg: open %s: no streams found within %v: %w", in.URL, limit, media.ErrTimeout)
	case errors.Is(err, syscall.ETIMEDOUT):
		// The protocol's own timeout (SRT's connect, a socket's).
		return nil, fmt.Errorf("%w (%w)", err, media.ErrTimeout)
	case errors.Is(err, astiav.ErrProtocolNotFound):
		// A scheme this FFmpeg does not read (whep://): another backend's.
		return nil, media.Unsupported("ffmpeg: open %s: %v", in.URL, err)
	}
	if err != nil {
		return nil, err
	}
	// The open's deadline must not interrupt the held input's first reads.
	fi.intr.unwatch()
	s, err := streamsOf(fi.fc, in)
	if err != nil {
		fi.close()
		return nil, fmt.Errorf("ffmpeg: open %s: %w", in.URL, err)
	}
	d.NoVideo, d.NoAudio = s.Video == frame.FormatUnknown, s.Audio == frame.FormatUnknown
	m := &demuxer{in: in, d: d, streams: s, held: &heldInput{in: fi}}
	runtime.AddCleanup(m, func(h *heldInput) { h.close() }, m.held)
	return m, nil
}

// streamsOf says what an input probed in fc sends for in: the Format of
// its first video and first audio stream, or, with Decode, the raw format
// the Decoder gives them (I420 or F32P when FFmpeg's has no Format).
func streamsOf(fc *astiav.FormatContext, in media.Input) (media.Streams, error) {
	var s media.Streams
	var why []string
	seenV, seenA := in.NoVideo, in.NoAudio
	for _, st := range fc.Streams() {
		cp := st.CodecParameters()
		video := cp.MediaType() == astiav.MediaTypeVideo
		if !video && cp.MediaType() != astiav.MediaTypeAudio || video && seenV || !video && seenA {
			continue
		}
		kind := map[bool]string{true: "video", false: "audio"}[video]
		f := formatOfCodec(cp.CodecID())
		switch {
		case in.Decode && astiav.FindDecoder(cp.CodecID()) == nil:
			why, f = append(why, fmt.Sprintf("no %s decoder for its %s", cp.CodecID().Name(), kind)), 0
		case in.Decode && video:
			if f = formatOfPix(cp.PixelFormat()); f == frame.FormatUnknown {
				f = frame.I420
			}
		case in.Decode:
			if f = formatOfSample(cp.SampleFormat()); f == frame.FormatUnknown {
				f = frame.F32P
			}
		case f == frame.FormatUnknown:
			why = append(why, fmt.Sprintf("its %s codec %s has no streamer format (open it with Decode)", kind, cp.CodecID().Name()))
		}
		if video {
			s.Video, seenV = f, true
		} else {
			s.Audio, seenA = f, true
		}
	}
	if s.Video == frame.FormatUnknown && s.Audio == frame.FormatUnknown {
		if len(why) > 0 {
			return s, media.Unsupported("nothing to send: %v", why)
		}
		return s, fmt.Errorf("no video or audio stream to send (%d streams)", len(fc.Streams()))
	}
	return s, nil
}

// Streams says what Run sends.
func (m *demuxer) Streams() media.Streams { return m.streams }

// Close releases the input probed at Open when Run is not going to be
// called; it does nothing after Run. It returns nil.
func (m *demuxer) Close() error {
	m.held.close()
	return nil
}

// Run sends the input's packets (or, with Decode, its decoded frames) on
// video and audio until the end of the input (nil), an error (returned
// after the frames before it, through stage.AfterDrain when it is about the
// input's data) or cancellation (ctx.Err(), every frame released). A kind
// absent from Streams is never sent; a zero Out for a kind present drops
// that kind.
func (m *demuxer) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	fi := m.held.take()
	if fi == nil {
		var err error
		if fi, err = m.d.open(ctx); err != nil {
			return err
		}
	} else {
		fi.intr.unwatch()
		fi.intr.watch(ctx)
	}
	if !m.in.Decode {
		defer fi.close()
		return m.d.run(ctx, fi, video, audio)
	}
	return m.decode(ctx, fi, video, audio)
}

// decode runs the Demux and a Decoder per stream wanted as a graph of its
// own, whose decoders send on video and audio.
func (m *demuxer) decode(ctx context.Context, fi *input, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	var once sync.Once
	closeIn := func() { once.Do(fi.close) }
	defer closeIn()
	g := stream.New()
	drained := map[string]*atomic.Bool{} // the nodes that ended with stage.AfterDrain
	add := func(name string, run func(context.Context) error) *stream.Node {
		flag := new(atomic.Bool)
		drained[name] = flag
		return g.Add(name, func(ctx context.Context) error {
			err := run(ctx)
			flag.Store(errors.As(err, new(*stage.AfterDrainError)))
			return err
		})
	}
	var vo stage.Out[frame.Video]
	var ao stage.Out[frame.Audio]
	var edges []stream.Edge
	if m.streams.Video != frame.FormatUnknown && video != (stage.Out[frame.Video]{}) {
		p := stream.NewPipe[frame.Video](g)
		vo, edges = p.Out(), append(edges, p)
		dec := decoderFor[frame.Video](m.in.Decoding)
		add("decode video", func(ctx context.Context) error { return dec.Run(ctx, p.In(), video) }).Reads(p)
	}
	if m.streams.Audio != frame.FormatUnknown && audio != (stage.Out[frame.Audio]{}) {
		p := stream.NewPipe[frame.Audio](g)
		ao, edges = p.Out(), append(edges, p)
		dec := decoderFor[frame.Audio](m.in.Decoding)
		add("decode audio", func(ctx context.Context) error { return dec.Run(ctx, p.In(), audio) }).Reads(p)
	}
	add("demux", func(ctx context.Context) error {
		defer closeIn()
		// This node's ctx also ends when a decoder fails: it, not only
		// Run's, must interrupt a read blocked on a stalled input.
		fi.intr.unwatch()
		fi.intr.watch(ctx)
		return m.d.run(ctx, fi, vo, ao)
	}).Writes(edges...)
	err := g.Run(ctx)
	var se *stream.StageError
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil && errors.Is(err, ctx.Err()):
		return ctx.Err()
	case !errors.As(err, &se):
		return fmt.Errorf("ffmpeg: open %s: %w", m.in.URL, err)
	}
	err = fmt.Errorf("ffmpeg: open %s: %s: %w", m.in.URL, se.Stage, se.Err)
	if f := drained[se.Stage]; f != nil && f.Load() {
		return stage.AfterDrain(err) // the frames before it are out: let the stages after finish them
	}
	return err
}
