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
	"path/filepath"
	"sync"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"

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

// muxItem is a frame from one input, or the end of that input.
type muxItem struct {
	audio bool
	end   bool
	v     frame.Video
	a     frame.Audio
}

func (it muxItem) release() {
	if it.audio {
		it.a.Release()
	} else {
		it.v.Release()
	}
}

// muxStream is one output stream.
type muxStream struct {
	st      *astiav.Stream
	index   int
	tb      frame.Rational
	lastDTS int64
	kind    string
}

// Run writes the file; see Mux.
func (m *Mux) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) (err error) {
	// Unbuffered: once done is closed, no item can slip into a buffer
	// that nobody drains any more.
	items := make(chan muxItem)
	done := make(chan struct{})
	var wg sync.WaitGroup
	inputs := 0
	forward := func(it muxItem) {
		select {
		case items <- it:
		case <-done:
			it.release()
		}
	}
	if video != (stage.In[frame.Video]{}) {
		inputs++
		wg.Go(func() {
			for v := range video.All() {
				forward(muxItem{v: v})
			}
			forward(muxItem{end: true})
		})
	}
	if audio != (stage.In[frame.Audio]{}) {
		inputs++
		wg.Go(func() {
			for a := range audio.All() {
				forward(muxItem{audio: true, a: a})
			}
			forward(muxItem{audio: true, end: true})
		})
	}
	if inputs == 0 {
		return errors.New("ffmpeg: mux: no input connected")
	}
	defer func() {
		close(done)
		// Frames already forwarded are released; readers still blocked
		// in Recv end when their writers do.
		for {
			select {
			case it := <-items:
				if !it.end {
					it.release()
				}
			default:
				if err == nil {
					wg.Wait()
				}
				return
			}
		}
	}()

	// Wait for the first frame (or the end) of every input.
	maxWait := m.MaxWait
	if maxWait <= 0 {
		maxWait = 512
	}
	var pending []muxItem
	defer func() {
		for _, it := range pending {
			it.release()
		}
	}()
	var firstV, firstA *frame.Codec
	var firstVideo frame.Video // its bytes, for parameter sets in-band only
	var vExtra []byte          // video extradata taken from the first frame
	ended := 0
	seenV, seenA := video == (stage.In[frame.Video]{}), audio == (stage.In[frame.Audio]{})
	for !(seenV && seenA) {
		it := <-items
		switch {
		case it.end:
			ended++
			if it.audio {
				seenA = true
			} else {
				seenV = true
			}
			continue
		case it.audio && !seenA:
			seenA = true
			if firstA = it.a.Codec; firstA == nil {
				firstA = &frame.Codec{Format: it.a.Format, SampleRate: it.a.Rate, Channels: it.a.Channels}
			}
		case !it.audio && !seenV:
			seenV = true
			firstVideo = it.v
			if firstV = it.v.Codec; firstV == nil {
				firstV = &frame.Codec{Format: it.v.Format, Width: it.v.Width, Height: it.v.Height}
			}
		}
		pending = append(pending, it)
		if len(pending) > maxWait {
			missing := "video"
			if seenV {
				missing = "audio"
			}
			return fmt.Errorf("ffmpeg: mux %q: no %s frame after %d frames of the other input", m.URL, missing, maxWait)
		}
	}
	if firstV == nil && firstA == nil || ctx.Err() != nil {
		return ctx.Err() // no frame at all, or cancelled before the header: no file
	}

	if firstV != nil && len(firstV.Extradata) == 0 && (firstV.Format == frame.H264 || firstV.Format == frame.H265) &&
		WantsGlobalHeader(m.URL, m.Format) {
		// An encoder without GlobalHeader: MKV wants the parameter sets in
		// the header, so take them from the first frame.
		if planes, err := firstVideo.Planes(ctx); err == nil && len(planes) == 1 {
			vExtra = parameterSets(firstV.Format, planes[0])
		}
	}
	out, err := m.create(ctx, firstV, firstA, vExtra)
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
	var dict *astiav.Dictionary
	if len(m.Options) > 0 {
		dict = astiav.NewDictionary()
		defer dict.Free()
		for k, v := range m.Options {
			if err := dict.Set(k, v, 0); err != nil {
				return fmt.Errorf("ffmpeg: mux option %s=%s: %w", k, v, err)
			}
		}
	}
	if err := out.fc.WriteHeader(dict); err != nil {
		return fmt.Errorf("ffmpeg: mux %q: header: %w", m.URL, err)
	}
	written = true
	for _, s := range out.streams {
		if s != nil {
			s.tb = rat(s.st.TimeBase())
		}
	}
	var pace stage.Pacer
	write := func(it muxItem) error {
		defer it.release()
		var s *muxStream
		var data frame.Data
		var pts, dts, dur time.Duration
		var key bool
		if it.audio {
			s, data, pts, dts, dur, key = out.streams[1], it.a.Data, it.a.PTS, it.a.DTS, it.a.Duration, it.a.Keyframe
		} else {
			s, data, pts, dts, dur, key = out.streams[0], it.v.Data, it.v.PTS, it.v.DTS, it.v.Duration, it.v.Keyframe
		}
		if m.Pace && !pace.Wait(ctx, dts) {
			return ctx.Err()
		}
		pkt, err := packetOf(ctx, data)
		if err != nil {
			return fmt.Errorf("ffmpeg: mux %q: %s: %w", m.URL, s.kind, err)
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
		ret := C.av_interleaved_write_frame(fmtCtx(out.fc), pkt)
		C.sm_packet_free(pkt)
		if ret < 0 && ctx.Err() != nil {
			return ctx.Err() // the cancel interrupted the write
		}
		if ret < 0 {
			return fmt.Errorf("ffmpeg: mux %q: write %s at %v: %w", m.URL, s.kind, pts, avErr(ret))
		}
		return nil
	}
	for len(pending) > 0 {
		it := pending[0]
		pending = pending[1:]
		if (it.audio && out.streams[1] == nil) || (!it.audio && out.streams[0] == nil) {
			it.release()
			continue
		}
		if err := write(it); err != nil {
			return err
		}
	}
	for ended < inputs {
		it := <-items
		if it.end {
			ended++
			continue
		}
		// Frames taken before a cancel are written too (no new ones come:
		// the readers stop at the cancel), so the file holds every frame
		// the muxer took.
		if err := write(it); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// output is an open output file.
type output struct {
	fc      *astiav.FormatContext
	opened  bool // fc's pb is ours to close
	intr    *interrupter
	streams [2]*muxStream // video, audio
}

// finish writes the trailer (when the header was written) and frees all.
func (o *output) finish(header bool) error {
	o.intr.unwatch()
	var err error
	if header {
		err = o.fc.WriteTrailer()
	}
	if o.opened {
		if ret := C.avio_closep(&fmtCtx(o.fc).pb); ret < 0 && err == nil {
			err = avErr(ret)
		}
	}
	o.fc.Free()
	o.intr.free()
	return err
}

// create allocates the output context, its streams and opens the file.
func (m *Mux) create(ctx context.Context, v, a *frame.Codec, vExtra []byte) (*output, error) {
	format := m.Format
	if format == "" {
		switch filepath.Ext(m.URL) {
		case ".mkv":
			format = "matroska"
		case ".ts":
			format = "mpegts"
		}
	}
	fc, err := astiav.AllocOutputFormatContext(nil, format, m.URL)
	if err != nil || fc == nil {
		if format != "" {
			return nil, fmt.Errorf("ffmpeg: mux %q: format %q: %w", m.URL, format, err)
		}
		return nil, fmt.Errorf("ffmpeg: mux %q: no format for this name (set Mux.Format): %w", m.URL, err)
	}
	o := &output{fc: fc, intr: newInterrupter(fc)}
	o.intr.watch(ctx)
	fail := func(err error) (*output, error) {
		o.finish(false)
		return nil, err
	}
	for i, c := range []*frame.Codec{v, a} {
		if c == nil {
			continue
		}
		kind := "video"
		if i == 1 {
			kind = "audio"
		}
		id, ok := codecIDOf(c)
		if !ok {
			return fail(fmt.Errorf("ffmpeg: mux %q: no FFmpeg codec for %s %v", m.URL, kind, c.Format))
		}
		st := fc.NewStream(nil)
		if st == nil {
			return fail(fmt.Errorf("ffmpeg: mux %q: out of memory", m.URL))
		}
		cp := (*C.AVCodecParameters)(cptr(st.CodecParameters()))
		tb := c.TimeBase
		extra := c.Extradata
		if i == 0 && len(vExtra) > 0 {
			extra = vExtra
		}
		if par := paramsOf(c); par != nil {
			// A stream of an ffmpeg Demux or Encoder: its exact parameters.
			ret := C.avcodec_parameters_copy(cp, par)
			C.avcodec_parameters_free(&par)
			if ret < 0 {
				return fail(fmt.Errorf("ffmpeg: mux %q: %s codec parameters: %w", m.URL, kind, avErr(ret)))
			}
			cp.codec_tag = 0
			if cp.extradata_size > 0 {
				extra = nil // already there
			}
		} else {
			cp.codec_id = uint32(id)
			if i == 0 {
				cp.codec_type = C.AVMEDIA_TYPE_VIDEO
				cp.width, cp.height = C.int(c.Width), C.int(c.Height)
				// Unknown here; 8-bit 4:2:0 is what nearly every stream
				// is, and muxers such as MP4 (vpcC) need one.
				cp.format = C.int(astiav.PixelFormatYuv420P)
			} else {
				cp.codec_type = C.AVMEDIA_TYPE_AUDIO
				cp.sample_rate = C.int(c.SampleRate)
				C.sm_par_default_layout(cp, C.int(c.Channels))
				if c.Format == frame.AAC {
					cp.frame_size = 1024
				}
			}
			cp.bit_rate = C.int64_t(c.BitRate)
		}
		if i == 0 {
			if tb.Den == 0 {
				tb = frame.Rational{Num: 1, Den: 90000}
			}
			if c.FrameRate.Num > 0 {
				st.SetAvgFrameRate(avRat(c.FrameRate))
			}
		} else if tb.Den == 0 && c.SampleRate > 0 {
			tb = frame.Rational{Num: 1, Den: c.SampleRate}
		}
		if len(extra) > 0 {
			C.av_freep(unsafe.Pointer(&cp.extradata))
			cp.extradata_size = 0
			cp.extradata = (*C.uint8_t)(C.av_mallocz(C.size_t(len(extra) + C.AV_INPUT_BUFFER_PADDING_SIZE)))
			if cp.extradata == nil {
				return fail(fmt.Errorf("ffmpeg: mux %q: out of memory", m.URL))
			}
			copy(unsafe.Slice((*byte)(unsafe.Pointer(cp.extradata)), len(extra)), extra)
			cp.extradata_size = C.int(len(extra))
		}
		st.SetTimeBase(avRat(tb))
		o.streams[i] = &muxStream{st: st, index: st.Index(), lastDTS: noPTS, kind: kind}
	}
	if !fc.OutputFormat().Flags().Has(astiav.IOFormatFlagNofile) {
		if err := openOutput(fmtCtx(fc), m.URL, m.IOOptions); err != nil {
			return fail(fmt.Errorf("ffmpeg: mux: open %q: %w", m.URL, osError(err)))
		}
		o.opened = true
	}
	return o, nil
}

// WantsGlobalHeader reports whether the muxer for format (or, when format
// is empty, for url's extension) keeps codec headers out of the stream (MP4,
// MKV, WebM, FLV): encoders feeding it should set GlobalHeader.
func WantsGlobalHeader(url, format string) bool {
	var cf, cu *C.char
	if format != "" {
		cf = C.CString(format)
		defer C.free(unsafe.Pointer(cf))
	}
	if url != "" {
		cu = C.CString(url)
		defer C.free(unsafe.Pointer(cu))
	}
	of := C.av_guess_format(cf, cu, nil)
	return of != nil && of.flags&C.AVFMT_GLOBALHEADER != 0
}

// parameterSets returns the H264 SPS/PPS or H265 VPS/SPS/PPS NAL units of an
// Annex B access unit, each with a start code: extradata FFmpeg's muxers
// accept (they convert it to avcC/hvcC).
func parameterSets(f frame.Format, au []byte) []byte {
	var out []byte
	i := 0
	next := func(from int) (start, payload int) {
		for j := from; j+3 <= len(au); j++ {
			if au[j] == 0 && au[j+1] == 0 && au[j+2] == 1 {
				if j > from && au[j-1] == 0 {
					return j - 1, j + 3
				}
				return j, j + 3
			}
		}
		return len(au), len(au)
	}
	_, p := next(0)
	for i = p; i < len(au); {
		s, np := next(i)
		nal := au[i:s]
		for len(nal) > 0 && nal[len(nal)-1] == 0 {
			nal = nal[:len(nal)-1]
		}
		if len(nal) > 0 {
			var ps bool
			if f == frame.H264 {
				t := nal[0] & 0x1f
				ps = t == 7 || t == 8
			} else {
				t := (nal[0] >> 1) & 0x3f
				ps = t >= 32 && t <= 34
			}
			if ps {
				out = append(out, 0, 0, 0, 1)
				out = append(out, nal...)
			}
		}
		i = np
	}
	return out
}
