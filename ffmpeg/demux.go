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
	"unsafe"

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

// input is an opened input: the format context and what frees it.
type input struct {
	fc   *astiav.FormatContext
	ioc  *astiav.IOContext
	intr *interrupter
}

func (in *input) close() {
	in.intr.unwatch()
	in.fc.CloseInput()
	in.fc.Free()
	if in.ioc != nil {
		in.ioc.Free()
	}
	in.intr.free()
}

// open opens and probes the input; cancelling ctx interrupts it.
func (d *Demux) open(ctx context.Context) (_ *input, err error) {
	fc := astiav.AllocFormatContext()
	if fc == nil {
		return nil, errors.New("ffmpeg: out of memory for a format context")
	}
	in := &input{fc: fc, intr: newInterrupter(fc)}
	in.intr.watch(ctx)
	defer func() {
		if err != nil {
			in.intr.free()
			if ctx.Err() != nil {
				err = ctx.Err()
			}
		}
	}()
	var ifmt *astiav.InputFormat
	if d.Format != "" {
		if ifmt = astiav.FindInputFormat(d.Format); ifmt == nil {
			fc.Free()
			return nil, fmt.Errorf("ffmpeg: demux: unknown input format %q", d.Format)
		}
	}
	if d.URL == "" {
		if d.Reader == nil {
			fc.Free()
			return nil, errors.New("ffmpeg: demux: neither URL nor Reader is set")
		}
		ioc, err := newReaderIO(d.Reader)
		if err != nil {
			fc.Free()
			return nil, err
		}
		in.ioc = ioc
		fc.SetPb(ioc)
	}
	var dict *astiav.Dictionary
	if len(d.Options) > 0 {
		dict = astiav.NewDictionary()
		defer dict.Free()
		for k, v := range d.Options {
			if err := dict.Set(k, v, 0); err != nil {
				fc.Free()
				if in.ioc != nil {
					in.ioc.Free()
				}
				return nil, fmt.Errorf("ffmpeg: demux option %s=%s: %w", k, v, err)
			}
		}
	}
	if err := fc.OpenInput(d.URL, ifmt, dict); err != nil {
		// avformat_open_input freed the context; a custom AVIO is ours.
		fc.Free()
		if in.ioc != nil {
			in.ioc.Free()
		}
		return nil, fmt.Errorf("ffmpeg: demux: open %s: %w", d.what(), osError(err))
	}
	if err := fc.FindStreamInfo(nil); err != nil {
		in.close()
		return nil, fmt.Errorf("ffmpeg: demux: stream info of %s: %w", d.what(), err)
	}
	return in, nil
}

// newReaderIO returns an AVIOContext reading r.
func newReaderIO(r io.Reader) (*astiav.IOContext, error) {
	read := func(b []byte) (int, error) {
		for {
			n, err := r.Read(b)
			if n > 0 {
				return n, nil
			}
			if err == io.EOF {
				return 0, astiav.ErrEof
			}
			if err != nil {
				return 0, astiav.ErrEio
			}
		}
	}
	var seek astiav.IOContextSeekFunc
	if s, ok := r.(io.Seeker); ok {
		seek = func(off int64, whence int) (int64, error) {
			const avseekSize, avseekForce = 0x10000, 0x20000
			if whence&avseekSize != 0 {
				cur, err := s.Seek(0, io.SeekCurrent)
				if err != nil {
					return 0, astiav.ErrEio
				}
				end, err := s.Seek(0, io.SeekEnd)
				if err != nil {
					return 0, astiav.ErrEio
				}
				if _, err := s.Seek(cur, io.SeekStart); err != nil {
					return 0, astiav.ErrEio
				}
				return end, nil
			}
			n, err := s.Seek(off, whence&^avseekForce)
			if err != nil {
				return 0, astiav.ErrEio
			}
			return n, nil
		}
	}
	ioc, err := astiav.AllocIOContext(64<<10, false, read, seek, nil)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: demux: custom I/O: %w", err)
	}
	return ioc, nil
}

// outStream is a stream Run sends.
type outStream struct {
	index int
	video bool
	codec *frame.Codec
	tb    frame.Rational
	last  time.Duration // end of the last packet, for packets without PTS
	// Packets read before the stream's first DTS (Matroska stores none,
	// and FFmpeg reconstructs them only from the third packet of an H.264
	// stream with B-frames): held until that DTS is known, then given DTS
	// one packet apart before it. Guessing DTS = PTS instead makes the
	// DTS of a reordered stream go backwards, and a muxer then mangles it.
	pending  []pendingPacket
	dtsKnown bool
}

type pendingPacket struct {
	data     frame.Data
	pts, dur time.Duration
	key      bool
}

// maxPending bounds the packets held waiting for a stream's first DTS; past
// it (a stream with no DTS at all) they go with DTS = PTS.
const maxPending = 16

// backfill gives the pending packets DTS one packet duration apart, ending
// before dts (and never after their PTS), and hands them to send in order.
// With dts unknown (the stream ended, or too many waited) DTS = PTS.
func (st *outStream) backfill(dts time.Duration, known bool, send func(st *outStream, p pendingPacket, dts time.Duration) bool) bool {
	ok := true
	n := len(st.pending)
	for i, p := range st.pending {
		d := p.pts
		if known {
			step := max(p.dur, time.Millisecond)
			d = min(dts-time.Duration(n-i)*step, p.pts)
		}
		if ok {
			ok = send(st, p, d)
		} else {
			p.data.Release()
		}
		st.pending[i] = pendingPacket{}
	}
	st.pending = st.pending[:0]
	return ok
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
	fc := in.fc
	wantV := video != (stage.Out[frame.Video]{}) && !d.NoVideo
	wantA := audio != (stage.Out[frame.Audio]{}) && !d.NoAudio
	streams := map[int]*outStream{}
	nv, na := 0, 0
	var haveV, haveA bool
	for _, s := range fc.Streams() {
		cp := s.CodecParameters()
		switch cp.MediaType() {
		case astiav.MediaTypeVideo:
			if wantV && !haveV && nv == d.VideoStream {
				c, err := codecOf(s, d.what())
				if err != nil {
					return err
				}
				streams[s.Index()] = &outStream{index: s.Index(), video: true, codec: c, tb: c.TimeBase}
				haveV = true
			}
			nv++
		case astiav.MediaTypeAudio:
			if wantA && !haveA && na == d.AudioStream {
				c, err := codecOf(s, d.what())
				if err != nil {
					return err
				}
				streams[s.Index()] = &outStream{index: s.Index(), codec: c, tb: c.TimeBase}
				haveA = true
			}
			na++
		}
	}
	if !haveV && !haveA {
		switch {
		case wantV && wantA:
			return fmt.Errorf("ffmpeg: demux: %s has no video stream %d and no audio stream %d (%d video, %d audio streams)",
				d.what(), d.VideoStream, d.AudioStream, nv, na)
		case wantV:
			return fmt.Errorf("ffmpeg: demux: %s has no video stream %d (%d video streams)", d.what(), d.VideoStream, nv)
		case wantA:
			return fmt.Errorf("ffmpeg: demux: %s has no audio stream %d (%d audio streams)", d.what(), d.AudioStream, na)
		}
		return fmt.Errorf("ffmpeg: demux: %s: no output wanted", d.what())
	}
	var start time.Duration // the input's start time, shifted to 0
	if st := fc.StartTime(); st != noPTS {
		start = time.Duration(st) * time.Microsecond
	}
	declared := time.Duration(0)
	cfc := fmtCtx(fc)
	if dur := fc.Duration(); dur > 0 && cfc.duration_estimation_method != C.AVFMT_DURATION_FROM_BITRATE {
		declared = time.Duration(dur) * time.Microsecond
	}
	var end time.Duration    // the latest packet end of any stream
	var offset time.Duration // added to timestamps: the length of the passes before
	loops := d.Loop
	var pace stage.Pacer
	send := func(st *outStream, p pendingPacket, dts time.Duration) bool {
		c := st.codec
		if st.video {
			return video.Send(frame.Video{Data: p.data, Format: c.Format, Width: c.Width, Height: c.Height, Codec: c,
				PTS: p.pts, DTS: dts, Duration: p.dur, Keyframe: p.key})
		}
		return audio.Send(frame.Audio{Data: p.data, Format: c.Format, Rate: c.SampleRate, Channels: c.Channels, Codec: c,
			PTS: p.pts, DTS: dts, Duration: p.dur, Keyframe: p.key})
	}
	// flush sends what still waits for a DTS, with DTS = PTS.
	flush := func() bool {
		ok := true
		for _, st := range streams {
			if st != nil {
				ok = st.backfill(0, false, send) && ok
			}
		}
		return ok
	}
	defer func() {
		for _, st := range streams {
			if st != nil {
				for _, p := range st.pending {
					p.data.Release()
				}
			}
		}
	}()
	pkt := C.av_packet_alloc()
	defer func() { C.av_packet_free(&pkt) }()
	for {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		ret := C.av_read_frame(cfc, pkt)
		if ret < 0 {
			err := avErr(ret)
			switch {
			case ctx.Err() != nil:
				return ctx.Err()
			case errors.Is(err, astiav.ErrEof):
				if cfc.pb != nil && cfc.pb.error < 0 {
					return stage.AfterDrain(fmt.Errorf("ffmpeg: demux: read %s: %w", d.what(), avErr(cfc.pb.error)))
				}
				if pass := end - offset; declared > 0 && pass+declared/20+100*time.Millisecond < declared {
					return stage.AfterDrain(fmt.Errorf("ffmpeg: demux: %s: %w (%v of %v)", d.what(), ErrTruncated, pass, declared))
				}
				if !flush() {
					return ctx.Err()
				}
				if loops == 0 || end <= offset {
					return nil
				}
				if loops > 0 {
					loops--
				}
				if err := avErr(C.av_seek_frame(cfc, -1, C.int64_t(max(fc.StartTime(), 0)), C.AVSEEK_FLAG_BACKWARD)); err != nil {
					return fmt.Errorf("ffmpeg: demux: loop %s: seek to the start: %w", d.what(), err)
				}
				offset = end
				for _, st := range streams {
					st.last = 0
				}
				continue
			}
			return stage.AfterDrain(fmt.Errorf("ffmpeg: demux: read %s: %w", d.what(), err))
		}
		st := streams[int(pkt.stream_index)]
		if st == nil {
			// Not sent, but its timing counts for the truncation check.
			s := fc.Streams()[int(pkt.stream_index)]
			if ts := int64(pkt.pts); ts != noPTS {
				if t, ok := toDur(ts+int64(pkt.duration), rat(s.TimeBase())); ok {
					end = max(end, t-start+offset)
				}
			}
			C.av_packet_unref(pkt)
			continue
		}
		dts, okD := toDur(int64(pkt.dts), st.tb)
		pts, okP := toDur(int64(pkt.pts), st.tb)
		dur, _ := toDur(int64(pkt.duration), st.tb)
		switch {
		case okP && !okD:
			dts = pts
		case okD && !okP:
			pts = dts
		case !okP && !okD:
			pts, dts = st.last+start, st.last+start
		}
		pts -= start
		dts -= start
		st.last = max(st.last, pts+dur)
		pts += offset
		dts += offset
		end = max(end, pts+dur)
		key := pkt.flags&C.AV_PKT_FLAG_KEY != 0
		if d.Realtime && !pace.Wait(ctx, dts) {
			C.av_packet_unref(pkt)
			return ctx.Err()
		}
		fd := packetData(pkt)
		if pkt = C.av_packet_alloc(); pkt == nil {
			fd.Release()
			return errors.New("ffmpeg: demux: out of memory for a packet")
		}
		this := pendingPacket{data: fd, pts: pts, dur: dur, key: key}
		if !okD && !st.dtsKnown && len(st.pending) < maxPending {
			st.pending = append(st.pending, this)
			continue
		}
		ok := true
		if len(st.pending) > 0 {
			ok = st.backfill(dts, okD, send)
		}
		st.dtsKnown = st.dtsKnown || okD
		if ok {
			ok = send(st, this, dts)
		} else {
			fd.Release()
		}
		if !ok {
			return ctx.Err()
		}
	}
}

// codecOf describes stream s. Codecs streamer has no Format for get
// FormatUnknown; FFmpeg's parameters are remembered (see codecParams).
func codecOf(s *astiav.Stream, what string) (*frame.Codec, error) {
	cp := s.CodecParameters()
	id := cp.CodecID()
	c := &frame.Codec{
		Format:   formatOfCodec(id),
		TimeBase: rat(s.TimeBase()),
		BitRate:  cp.BitRate(),
	}
	if c.TimeBase.Den == 0 {
		return nil, fmt.Errorf("ffmpeg: demux: %s stream %d has no time base", what, s.Index())
	}
	ccp := (*C.AVCodecParameters)(cptr(cp))
	if p := C.avcodec_profile_name(ccp.codec_id, ccp.profile); p != nil {
		c.Profile = C.GoString(p)
	}
	if ccp.level > 0 {
		c.Level = int(ccp.level)
	}
	if ccp.extradata_size > 0 && ccp.extradata != nil {
		c.Extradata = C.GoBytes(unsafe.Pointer(ccp.extradata), ccp.extradata_size)
	}
	if cp.MediaType() == astiav.MediaTypeVideo {
		c.Width, c.Height = cp.Width(), cp.Height()
		if fr := s.AvgFrameRate(); fr.Num() > 0 && fr.Den() > 0 {
			c.FrameRate = rat(fr)
		}
	} else {
		c.SampleRate = cp.SampleRate()
		c.Channels = int(ccp.ch_layout.nb_channels)
	}
	par := C.avcodec_parameters_alloc()
	if par == nil {
		return nil, errors.New("ffmpeg: demux: out of memory for codec parameters")
	}
	if err := avErr(C.avcodec_parameters_copy(par, ccp)); err != nil {
		C.avcodec_parameters_free(&par)
		return nil, fmt.Errorf("ffmpeg: demux: codec parameters: %w", err)
	}
	rememberParams(c, par)
	return c, nil
}

// codecIDOf returns the FFmpeg codec ID of an encoded stream's description.
func codecIDOf(c *frame.Codec) (astiav.CodecID, bool) {
	if p, ok := c.Native.(*codecParams); ok {
		return p.id, true
	}
	if id, ok := codecIDs[c.Format]; ok {
		return id, true
	}
	return 0, false
}
