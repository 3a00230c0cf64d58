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

	"github.com/spinorml/streamer/codec/h264"
	"github.com/spinorml/streamer/codec/h265"
	"github.com/spinorml/streamer/codec/nal"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// Mux is a sink with a video and an audio input that writes encoded frames
// into a container: MP4, MKV, WebM, MPEG-TS, or any format FFmpeg muxes,
// picked by Format or by the URL's extension, written to a file or a URL.
//
// It waits for the first frame of each connected input (or its end) to
// describe the streams from their Codec, writes the header, then writes
// packets through av_interleaved_write_frame, which orders them by DTS
// across streams (waiting for the slower input, within FFmpeg's bound). The
// end of one input does not end the other. Pass a zero stage.In for an input
// the file does not have, or use AddMux with a nil pipe.
//
// The trailer is written at the end of input and also when the run is
// cancelled or an upstream stage fails (both end the inputs) or a write
// fails, so the file written so far stays playable. A run cancelled before
// the first frames of every input arrived writes no file. Encoders feeding MP4,
// MKV or WebM should set GlobalHeader.
type Mux struct {
	// URL is the output file path or URL.
	URL string
	// Format is the FFmpeg muxer name ("mp4", "matroska", "webm",
	// "mpegts", ...); empty guesses it from the URL's extension.
	Format string
	// Options are muxer options (av_dict), e.g. {"movflags": "+faststart"}.
	Options map[string]string
	// MaxWait bounds the frames held while waiting for the first frame of
	// the other input (default 512); beyond it Run fails naming the input.
	MaxWait int
	// IOOptions are protocol options (av_dict) for opening URL, e.g.
	// {"rw_timeout": "10000000"}; muxers that open their own connections
	// (rtsp) take theirs in Options.
	IOOptions map[string]string
	// Pace holds each packet until its DTS in wall-clock time from the
	// first, as a live network output must be sent: a file transcoded to
	// rtmp:// goes out at the speed of playback, not of the disk. Live
	// sources already come at that pace, and are not delayed.
	Pace bool
}

// Name returns "ffmpeg-mux".
func (*Mux) Name() string { return "ffmpeg-mux" }

// AddMux adds m to g reading video and audio; either may be nil.
func AddMux(g *stream.Graph, name string, m *Mux, video *stream.Pipe[frame.Video], audio *stream.Pipe[frame.Audio]) *stream.Node {
	if name == "" {
		name = m.Name()
	}
	var vi stage.In[frame.Video]
	var ai stage.In[frame.Audio]
	var edges []stream.Edge
	if video != nil {
		vi = video.In()
		edges = append(edges, video)
	}
	if audio != nil {
		ai = audio.In()
		edges = append(edges, audio)
	}
	return g.Add(name, func(ctx context.Context) error { return m.Run(ctx, vi, ai) }).Reads(edges...)
}

// Run writes the file; see Mux.
func (m *Mux) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) (err error) {
	in := startMuxInputs(video, audio)
	if in.n == 0 {
		return errors.New("ffmpeg: mux: no input connected")
	}
	defer func() { in.stop(err == nil) }()
	var head muxHead
	defer head.release()
	if err := m.awaitFirst(in, &head, video == (stage.In[frame.Video]{}), audio == (stage.In[frame.Audio]{})); err != nil {
		return err
	}
	if head.v == nil && head.a == nil || ctx.Err() != nil {
		return ctx.Err() // no frame at all, or cancelled before the header: no file
	}
	out, err := m.create(ctx, head.v, head.a, m.videoExtra(ctx, &head))
	if err != nil {
		return err
	}
	written := false
	defer func() {
		// Always finish the file, even after a cancel or an error: the
		// cancel no longer interrupts I/O.
		out.intr.unwatch()
		if terr := out.finish(written); terr != nil && err == nil {
			err = fmt.Errorf("ffmpeg: mux %q: trailer: %w", m.URL, terr)
		}
	}()
	if err := m.writeHeader(out); err != nil {
		return err
	}
	written = true
	w := &muxWriter{m: m, out: out}
	pending := head.pending
	head.pending = nil
	if err := w.writeAll(ctx, pending); err != nil {
		return err
	}
	if err := w.writeRest(ctx, in); err != nil {
		return err
	}
	return ctx.Err()
}

// videoExtra returns the parameter sets of the first H.264 or H.265 frame
// when the muxer wants them in the header and its encoder did not set
// GlobalHeader (MKV); nil otherwise.
func (m *Mux) videoExtra(ctx context.Context, h *muxHead) []byte {
	v := h.v
	if v == nil || len(v.Extradata) > 0 || (v.Format != frame.H264 && v.Format != frame.H265) ||
		!WantsGlobalHeader(m.URL, m.Format) {
		return nil
	}
	planes, err := h.firstVideo.Planes(ctx)
	if err != nil || len(planes) != 1 {
		return nil
	}
	ps := h264.ParameterSets(planes[0])
	if v.Format == frame.H265 {
		ps = h265.ParameterSets(planes[0])
	}
	return nal.AppendAnnexB(nil, ps...)
}

// writeHeader writes the header with the muxer Options and learns the
// time base the muxer chose for each stream.
func (m *Mux) writeHeader(out *output) error {
	dict, err := newOptions(m.Options)
	if err != nil {
		return fmt.Errorf("ffmpeg: mux %w", err)
	}
	defer dict.Free()
	if err := out.fc.WriteHeader(dict); err != nil {
		return fmt.Errorf("ffmpeg: mux %q: header: %w", m.URL, err)
	}
	for _, s := range out.streams {
		if s != nil {
			s.tb = rat(s.st.TimeBase())
		}
	}
	return nil
}

// muxWriter writes frames as packets of an output whose header is written.
type muxWriter struct {
	m    *Mux
	out  *output
	pace stage.Pacer
}

// writeAll writes the frames taken before the header, dropping those of an
// input that has no stream (it ended before its first frame).
func (w *muxWriter) writeAll(ctx context.Context, items []muxItem) error {
	for i, it := range items {
		if w.streamOf(it) == nil {
			it.release()
			continue
		}
		if err := w.write(ctx, it); err != nil {
			for _, rest := range items[i+1:] {
				rest.release()
			}
			return err
		}
	}
	return nil
}

// writeRest writes what the inputs send until each has ended. Frames taken
// before a cancel are written too (no new ones come: the readers stop at
// the cancel), so the file holds every frame the muxer took.
func (w *muxWriter) writeRest(ctx context.Context, in *muxInputs) error {
	for in.ended < in.n {
		it := <-in.items
		if it.end {
			in.ended++
			continue
		}
		if err := w.write(ctx, it); err != nil {
			return err
		}
	}
	return nil
}

func (w *muxWriter) streamOf(it muxItem) *muxStream {
	if it.audio {
		return w.out.streams[1]
	}
	return w.out.streams[0]
}

// write writes it (released here) as a packet, its DTS made to increase.
func (w *muxWriter) write(ctx context.Context, it muxItem) error {
	defer it.release()
	s := w.streamOf(it)
	data, pts, dts, dur, key := it.v.Data, it.v.PTS, it.v.DTS, it.v.Duration, it.v.Keyframe
	if it.audio {
		data, pts, dts, dur, key = it.a.Data, it.a.PTS, it.a.DTS, it.a.Duration, it.a.Keyframe
	}
	if w.m.Pace && !w.pace.Wait(ctx, dts) {
		return ctx.Err()
	}
	pkt, err := packetOf(ctx, data)
	if err != nil {
		return fmt.Errorf("ffmpeg: mux %q: %s: %w", w.m.URL, s.kind, err)
	}
	p, d := fromDur(pts, s.tb), fromDur(dts, s.tb)
	if s.lastDTS != noPTS && d <= s.lastDTS {
		d = s.lastDTS + 1
	}
	s.lastDTS = d
	p = max(p, d)
	pkt.pts, pkt.dts = C.int64_t(p), C.int64_t(d)
	pkt.duration = C.int64_t(fromDur(dur, s.tb))
	pkt.stream_index = C.int(s.index)
	pkt.flags &^= C.AV_PKT_FLAG_KEY
	if key {
		pkt.flags |= C.AV_PKT_FLAG_KEY
	}
	ret := C.av_interleaved_write_frame(fmtCtx(w.out.fc), pkt)
	C.sm_packet_free(pkt)
	if ret < 0 && ctx.Err() != nil {
		return ctx.Err() // the cancel interrupted the write
	}
	if ret < 0 {
		return fmt.Errorf("ffmpeg: mux %q: write %s at %v: %w", w.m.URL, s.kind, pts, avErr(ret))
	}
	return nil
}
