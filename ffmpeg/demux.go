// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// ErrTruncated is returned (wrapped) by Demux when its input ends before
// the duration its header declares: a truncated or damaged file. The frames
// read before the damage have been delivered.
var ErrTruncated = errors.New("input ends before its declared duration")

// Demux is a source with a video and an audio output that reads a file, a
// URL (any protocol FFmpeg was built with: file, pipe, http, rtmp, ...) or
// an io.Reader, and sends encoded frames: Format is the codec, Codec the
// stream's description (shared by every frame of the stream; Extradata is
// the codec parameters' extradata, e.g. avcC or AudioSpecificConfig), PTS
// and DTS the packet's timestamps as durations in a time line common to
// both outputs (shifted by the input's start time, as the ffmpeg CLI does),
// Keyframe the packet's key flag. Frames carry the AVPacket itself
// (FrameData): nothing is copied.
//
// It sends the first video stream (or the VideoStream-th) on the video
// output and the first audio stream (or the AudioStream-th) on the audio
// output; other streams are skipped. Pass a zero stage.Out for a kind the
// graph does not want (or set NoVideo/NoAudio): its packets are read and
// dropped. AddDemux wires it into a graph with only the outputs wanted.
//
// Cancelling the run interrupts a blocked open or read (FFmpeg's interrupt
// callback), so Run returns promptly even on a stalled network input. An
// io.Reader cannot be interrupted: cancel takes effect when its Read returns.
type Demux struct {
	// URL is a file path or URL. When empty, Reader is read instead.
	URL string
	// Reader is read through a custom AVIOContext when URL is empty. If it
	// is also an io.Seeker, formats that need seeking (MP4 with the index
	// at the end) work too.
	Reader io.Reader
	// Format forces an input format ("mpegts", "matroska", ...); empty
	// probes the input.
	Format string
	// Options are demuxer and protocol options (av_dict), e.g.
	// {"rtsp_transport": "tcp"}.
	Options map[string]string
	// Realtime paces the output to the timestamps, like ffmpeg -re.
	Realtime bool
	// VideoStream and AudioStream pick the n-th stream of each kind
	// (0: the first).
	VideoStream, AudioStream int
	// NoVideo and NoAudio skip a kind even when its output is connected.
	NoVideo, NoAudio bool
	// Loop reads the input this many more times (-1: until cancelled),
	// seeking back to the start at its end; timestamps keep increasing
	// across passes. The input must be seekable.
	Loop int
}

// Name returns "ffmpeg-demux".
func (*Demux) Name() string { return "ffmpeg-demux" }

func (d *Demux) what() string {
	if d.URL != "" {
		return fmt.Sprintf("%q", d.URL)
	}
	return "reader"
}

// AddDemux adds d to g with a pipe for each output wanted (video, audio) and
// returns them; a pipe not wanted is nil.
func AddDemux(g *stream.Graph, name string, d *Demux, video, audio bool, opts ...stream.LinkOption) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio]) {
	if name == "" {
		name = d.Name()
	}
	var vp *stream.Pipe[frame.Video]
	var ap *stream.Pipe[frame.Audio]
	var vo stage.Out[frame.Video]
	var ao stage.Out[frame.Audio]
	var edges []stream.Edge
	if video {
		vp = stream.NewPipe[frame.Video](g, opts...)
		vo = vp.Out()
		edges = append(edges, vp)
	}
	if audio {
		ap = stream.NewPipe[frame.Audio](g, opts...)
		ao = ap.Out()
		edges = append(edges, ap)
	}
	g.Add(name, func(ctx context.Context) error { return d.Run(ctx, vo, ao) }).Writes(edges...)
	return vp, ap
}

// Run reads the input and sends its packets until the end of the input
// (nil, or an error wrapping ErrTruncated if it ends early), a read error,
// or cancellation. Truncation and read errors are returned through
// stage.AfterDrain: the stages downstream finish the packets before them
// first.
func (d *Demux) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	in, err := d.open(ctx)
	if err != nil {
		return err
	}
	defer in.close()
	return d.run(ctx, in, video, audio)
}

// run is Run on an opened input, which the caller closes; cancelling ctx
// must interrupt in's I/O (in.intr watches it).
func (d *Demux) run(ctx context.Context, in *input, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	wantV := video != (stage.Out[frame.Video]{}) && !d.NoVideo
	wantA := audio != (stage.Out[frame.Audio]{}) && !d.NoAudio
	streams, err := d.pickStreams(in.fc, wantV, wantA)
	if err != nil {
		return err
	}
	r := &demuxRun{d: d, fc: in.fc, cfc: fmtCtx(in.fc), video: video, audio: audio, streams: streams, loops: d.Loop}
	if st := in.fc.StartTime(); st != noPTS {
		r.start = time.Duration(st) * time.Microsecond
	}
	if dur := in.fc.Duration(); dur > 0 && r.cfc.duration_estimation_method != C.AVFMT_DURATION_FROM_BITRATE {
		r.declared = time.Duration(dur) * time.Microsecond
	}
	defer r.releasePending()
	r.pkt = C.av_packet_alloc()
	defer func() { C.av_packet_free(&r.pkt) }()
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		var more bool
		if ret := C.av_read_frame(r.cfc, r.pkt); ret < 0 {
			more, err = r.readFailed(ctx, avErr(ret))
		} else {
			more, err = r.handle(ctx)
		}
		if !more {
			return err
		}
	}
}

// demuxRun is the state of one Demux run past its open.
type demuxRun struct {
	d        *Demux
	fc       *astiav.FormatContext
	cfc      *C.AVFormatContext
	pkt      *C.AVPacket // where the next packet is read
	video    stage.Out[frame.Video]
	audio    stage.Out[frame.Audio]
	streams  map[int]*outStream
	start    time.Duration // the input's start time, shifted to 0
	declared time.Duration // the duration the header declares; 0 when unknown
	end      time.Duration // the latest packet end of any stream
	offset   time.Duration // added to timestamps: the length of the passes before
	loops    int           // passes still to read (-1: until cancelled)
	pace     stage.Pacer
}

// send sends p on its stream's output with DTS dts; false when the output
// is closed.
func (r *demuxRun) send(st *outStream, p pendingPacket, dts time.Duration) bool {
	c := st.codec
	if st.video {
		return r.video.Send(frame.Video{Data: p.data, Format: c.Format, Width: c.Width, Height: c.Height, Codec: c,
			PTS: p.pts, DTS: dts, Duration: p.dur, Keyframe: p.key})
	}
	return r.audio.Send(frame.Audio{Data: p.data, Format: c.Format, Rate: c.SampleRate, Channels: c.Channels, Codec: c,
		PTS: p.pts, DTS: dts, Duration: p.dur, Keyframe: p.key})
}

// flush sends what still waits for a DTS, with DTS = PTS.
func (r *demuxRun) flush() bool {
	ok := true
	for _, st := range r.streams {
		ok = st.backfill(0, false, r.send) && ok
	}
	return ok
}

// releasePending releases the packets still waiting for a DTS.
func (r *demuxRun) releasePending() {
	for _, st := range r.streams {
		for _, p := range st.pending {
			p.data.Release()
		}
	}
}

// readFailed handles a read that returned err: true when the input loops
// and reading goes on, else false with what Run returns.
func (r *demuxRun) readFailed(ctx context.Context, err error) (bool, error) {
	switch {
	case ctx.Err() != nil:
		return false, ctx.Err()
	case errors.Is(err, astiav.ErrEof):
		return r.atEOF(ctx)
	}
	return false, stage.AfterDrain(fmt.Errorf("ffmpeg: demux: read %s: %w", r.d.what(), err))
}

// atEOF ends a pass: it reports an I/O error or a truncated input, flushes
// the packets waiting for a DTS, and seeks back to the start when Loop asks
// for another pass (true).
func (r *demuxRun) atEOF(ctx context.Context) (bool, error) {
	what := r.d.what()
	if r.cfc.pb != nil && r.cfc.pb.error < 0 {
		return false, stage.AfterDrain(fmt.Errorf("ffmpeg: demux: read %s: %w", what, avErr(r.cfc.pb.error)))
	}
	if pass := r.end - r.offset; r.declared > 0 && pass+r.declared/20+100*time.Millisecond < r.declared {
		return false, stage.AfterDrain(fmt.Errorf("ffmpeg: demux: %s: %w (%v of %v)", what, ErrTruncated, pass, r.declared))
	}
	if !r.flush() {
		return false, ctx.Err()
	}
	if r.loops == 0 || r.end <= r.offset {
		return false, nil
	}
	if r.loops > 0 {
		r.loops--
	}
	if err := avErr(C.av_seek_frame(r.cfc, -1, C.int64_t(max(r.fc.StartTime(), 0)), C.AVSEEK_FLAG_BACKWARD)); err != nil {
		return false, fmt.Errorf("ffmpeg: demux: loop %s: seek to the start: %w", what, err)
	}
	r.offset = r.end
	for _, st := range r.streams {
		st.last = 0
	}
	return true, nil
}

// handle sends the packet just read into r.pkt, or drops it when its stream
// is not sent; false ends the run with the error returned.
func (r *demuxRun) handle(ctx context.Context) (bool, error) {
	pkt := r.pkt
	st := r.streams[int(pkt.stream_index)]
	if st == nil {
		// Not sent, but its timing counts for the truncation check.
		s := r.fc.Streams()[int(pkt.stream_index)]
		if ts := int64(pkt.pts); ts != noPTS {
			if t, ok := toDur(ts+int64(pkt.duration), rat(s.TimeBase())); ok {
				r.end = max(r.end, t-r.start+r.offset)
			}
		}
		C.av_packet_unref(pkt)
		return true, nil
	}
	pts, dts, dur, okD := r.times(st)
	if r.d.Realtime && !r.pace.Wait(ctx, dts) {
		C.av_packet_unref(pkt)
		return false, ctx.Err()
	}
	key := pkt.flags&C.AV_PKT_FLAG_KEY != 0
	fd := packetData(pkt)
	if r.pkt = C.av_packet_alloc(); r.pkt == nil {
		fd.Release()
		return false, errors.New("ffmpeg: demux: out of memory for a packet")
	}
	this := pendingPacket{data: fd, pts: pts, dur: dur, key: key}
	if !okD && !st.dtsKnown && len(st.pending) < maxPending {
		st.pending = append(st.pending, this)
		return true, nil
	}
	ok := true
	if len(st.pending) > 0 {
		ok = st.backfill(dts, okD, r.send)
	}
	st.dtsKnown = st.dtsKnown || okD
	if ok {
		ok = r.send(st, this, dts)
	} else {
		fd.Release()
	}
	return ok, ctx.Err()
}

// times returns the timestamps of the packet in r.pkt in the common time
// line: a missing PTS or DTS is the other one, both missing continue from
// the stream's last packet; okD reports whether the packet had a DTS.
func (r *demuxRun) times(st *outStream) (pts, dts, dur time.Duration, okD bool) {
	pkt := r.pkt
	dts, okD = toDur(int64(pkt.dts), st.tb)
	pts, okP := toDur(int64(pkt.pts), st.tb)
	dur, _ = toDur(int64(pkt.duration), st.tb)
	switch {
	case okP && !okD:
		dts = pts
	case okD && !okP:
		pts = dts
	case !okP && !okD:
		pts, dts = st.last+r.start, st.last+r.start
	}
	pts -= r.start
	dts -= r.start
	st.last = max(st.last, pts+dur)
	pts += r.offset
	dts += r.offset
	r.end = max(r.end, pts+dur)
	return pts, dts, dur, okD
}
