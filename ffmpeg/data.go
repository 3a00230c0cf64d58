// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#cgo pkg-config: libavcodec libavformat libavutil libswscale libswresample
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"syscall"
	"time"
	"unsafe"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
)

// FrameData is a frame.Data holding one AVPacket (encoded frames) or one
// AVFrame (raw frames). Frames from ffmpeg stages carry it; an ffmpeg stage
// that receives one takes a new reference to the same buffers
// (av_packet_ref / av_frame_ref), so FFmpeg-to-FFmpeg hops copy nothing.
//
// Planes returns views of the AVPacket's data or of the AVFrame's planes
// (data[i] with linesize[i] bytes per row; planar audio: one plane per
// channel) without copying. The views are read-only: the buffers may be
// shared with a decoder's reference frames. Release of the last reference
// frees the AVPacket or AVFrame at once (av_packet_free / av_frame_free);
// no finalizer is involved.
type FrameData struct {
	ref    frame.RefCount
	pkt    *C.AVPacket
	frm    *C.AVFrame
	size   int
	planes [4][]byte
	n      int
	extra  [][]byte // planar audio with more than 4 channels
	sizes  [4]C.int64_t
}

// dataPool recycles FrameData handles, one of which every frame made here
// carries: without it each frame costs an allocation.
var dataPool frame.HandlePool[FrameData] //nolint:gochecknoglobals // handles are reused across every stage of the process

// packetData takes over pkt (allocated with av_packet_alloc).
func packetData(pkt *C.AVPacket) *FrameData {
	d := dataPool.Get()
	d.pkt = pkt
	d.size = int(pkt.size)
	if pkt.data != nil && pkt.size > 0 {
		d.planes[0] = unsafe.Slice((*byte)(unsafe.Pointer(pkt.data)), int(pkt.size))
	}
	d.n = 1
	d.ref.Init()
	return d
}

// videoData takes over a raw video AVFrame.
func videoData(f *C.AVFrame) (*FrameData, error) {
	d := dataPool.Get()
	sizes := &d.sizes // in the pooled FrameData: a local passed to C would be a heap allocation a frame
	n := int(C.sm_video_plane_sizes(f, &sizes[0]))
	if n < 0 {
		dataPool.Put(d) // never handed out
		return nil, fmt.Errorf("ffmpeg: plane sizes of a %s frame: %w", pixFmtName(f.format), astiav.Error(n))
	}
	d.frm = f
	for i := range n {
		if f.data[i] == nil || f.linesize[i] <= 0 {
			continue
		}
		d.planes[i] = unsafe.Slice((*byte)(unsafe.Pointer(f.data[i])), int(sizes[i]))
		d.size += int(sizes[i])
	}
	d.n = n
	d.ref.Init()
	return d, nil
}

// audioData takes over a raw audio AVFrame.
func audioData(f *C.AVFrame) *FrameData {
	d := dataPool.Get()
	d.frm = f
	sf := C.enum_AVSampleFormat(f.format)
	bps := int(C.av_get_bytes_per_sample(sf))
	ch := int(f.ch_layout.nb_channels)
	ns := int(f.nb_samples)
	ptrs := unsafe.Slice(f.extended_data, max(ch, 1))
	if C.av_sample_fmt_is_planar(sf) != 0 && ch > 1 {
		views := d.planes[:0]
		if ch > len(d.planes) {
			d.extra = make([][]byte, 0, ch)
			views = d.extra
		}
		for i := range ch {
			views = append(views, unsafe.Slice((*byte)(unsafe.Pointer(ptrs[i])), ns*bps))
		}
		if d.extra != nil {
			d.extra = views
		}
		d.n = ch
		d.size = ch * ns * bps
	} else {
		d.size = ns * bps * max(ch, 1)
		d.planes[0] = unsafe.Slice((*byte)(unsafe.Pointer(ptrs[0])), d.size)
		d.n = 1
	}
	d.ref.Init()
	return d
}

// Retain adds one owner.
func (d *FrameData) Retain() { d.ref.Inc() }

// Release drops one owner; the last frees the AVPacket or AVFrame.
func (d *FrameData) Release() {
	if !d.ref.Dec() {
		return
	}
	if d.pkt != nil {
		C.av_packet_free(&d.pkt)
	}
	if d.frm != nil {
		C.av_frame_free(&d.frm)
	}
	dataPool.Put(d)
}

// Location returns frame.CPU: an AVFrame's buffers are host memory the
// CPU reads in place.
func (d *FrameData) Location() frame.Location { return frame.CPU }

// Size returns the bytes of all planes.
func (d *FrameData) Size() int { return d.size }

// Planes returns views of the packet's data or the frame's planes; it never
// copies.
func (d *FrameData) Planes(context.Context) ([][]byte, error) {
	if d.extra != nil {
		return d.extra, nil
	}
	return d.planes[:d.n], nil
}

// IsPacket reports whether d holds an AVPacket (an encoded frame).
func (d *FrameData) IsPacket() bool { return d.pkt != nil }

// AVPacket returns the AVPacket d holds (nil for raw frames) as an
// unsafe.Pointer to an AVPacket, valid while the caller holds a reference.
// Use it to reference it (av_packet_ref), never to free it.
func (d *FrameData) AVPacket() unsafe.Pointer { return unsafe.Pointer(d.pkt) }

// AVFrame returns the AVFrame d holds (nil for encoded frames), valid while
// the caller holds a reference. Use it to reference it (av_frame_ref).
func (d *FrameData) AVFrame() unsafe.Pointer { return unsafe.Pointer(d.frm) }

// cptr returns the C pointer inside an astiav wrapper (FormatContext,
// CodecContext, Packet, ...). Every wrapper of go-astiav v0.16.0 keeps it as
// its first field, `c *C.struct_...`; TestCPtrMatchesAstiav checks it.
func cptr[T any](w *T) unsafe.Pointer { return *(*unsafe.Pointer)(unsafe.Pointer(w)) }

// dictRef returns the address of the AVDictionary pointer inside d (its
// first field, as cptr relies on), for libav* calls that take an
// AVDictionary** and may replace it.
func dictRef(d *astiav.Dictionary) **C.AVDictionary { return (**C.AVDictionary)(unsafe.Pointer(d)) }

func fmtCtx(fc *astiav.FormatContext) *C.AVFormatContext {
	return (*C.AVFormatContext)(cptr(fc))
}

func codecCtx(cc *astiav.CodecContext) *C.AVCodecContext {
	return (*C.AVCodecContext)(cptr(cc))
}

// avErr turns a negative return of libav* into an astiav.Error (which
// errors.Is compares and whose text is FFmpeg's message), nil otherwise.
func avErr(ret C.int) error {
	if ret >= 0 {
		return nil
	}
	return astiav.Error(int(ret))
}

// osError returns err, an astiav.Error, so that it also matches the POSIX
// error it stands for (AVERROR(ENOENT) is syscall.ENOENT, so errors.Is(err,
// fs.ErrNotExist) holds); other errors are returned as they are.
func osError(err error) error {
	var av astiav.Error
	if !errors.As(err, &av) || av >= 0 || -av >= 4096 { // FFERRTAGs are far below
		return err
	}
	return &avOSError{av: av, errno: syscall.Errno(-av)}
}

// avOSError is an FFmpeg error that is also the POSIX error it stands for.
type avOSError struct {
	av    astiav.Error
	errno syscall.Errno
}

func (e *avOSError) Error() string   { return e.av.Error() }
func (e *avOSError) Unwrap() []error { return []error{e.av, e.errno} }

// noPTS is AV_NOPTS_VALUE.
const noPTS = int64(-0x7fffffffffffffff - 1)

// toDur converts ts in time base tb to a duration; AV_NOPTS_VALUE gives ok false.
func toDur(ts int64, tb frame.Rational) (time.Duration, bool) {
	if ts == noPTS || tb.Den == 0 {
		return 0, false
	}
	return time.Duration(C.sm_to_ns(C.int64_t(ts), C.int(tb.Num), C.int(tb.Den))), true
}

// fromDur converts a duration to ticks of tb, rounding to the nearest.
func fromDur(d time.Duration, tb frame.Rational) int64 {
	return int64(C.sm_from_ns(C.int64_t(d), C.int(tb.Num), C.int(tb.Den)))
}

func rat(r astiav.Rational) frame.Rational { return frame.Rational{Num: r.Num(), Den: r.Den()} }

func avRat(r frame.Rational) astiav.Rational { return astiav.NewRational(r.Num, r.Den) }

func cRat(r frame.Rational) C.AVRational { return C.AVRational{num: C.int(r.Num), den: C.int(r.Den)} }

func pixFmtName(f C.int) string { return astiav.PixelFormat(f).Name() }

// Codec IDs of the encoded formats streamer names.
var codecIDs = map[frame.Format]astiav.CodecID{ //nolint:gochecknoglobals // a table, never written
	frame.H264: astiav.CodecIDH264, frame.H265: astiav.CodecIDHevc, frame.VP8: astiav.CodecIDVp8,
	frame.VP9: astiav.CodecIDVp9, frame.AV1: astiav.CodecID(C.AV_CODEC_ID_AV1), frame.MJPEG: astiav.CodecIDMjpeg,
	frame.AAC: astiav.CodecIDAac, frame.Opus: astiav.CodecIDOpus, frame.MP3: astiav.CodecIDMp3,
}

// formatOfCodec returns the streamer format of an FFmpeg codec ID.
func formatOfCodec(id astiav.CodecID) frame.Format {
	for f, c := range codecIDs {
		if c == id {
			return f
		}
	}
	return frame.FormatUnknown
}

// formatPair is a raw streamer format and an FFmpeg twin of it.
type formatPair[A comparable] struct {
	f  frame.Format
	av A
}

// formatTable pairs raw formats with FFmpeg's; a format with several twins
// converts to the first.
type formatTable[A comparable] []formatPair[A]

// format returns the streamer format of av; FormatUnknown when none.
func (t formatTable[A]) format(av A) frame.Format {
	for _, m := range t {
		if m.av == av {
			return m.f
		}
	}
	return frame.FormatUnknown
}

// av returns the first FFmpeg twin of f; none and false when f has none.
func (t formatTable[A]) av(f frame.Format, none A) (A, bool) {
	for _, m := range t {
		if m.f == f {
			return m.av, true
		}
	}
	return none, false
}

// Raw formats and their FFmpeg equivalents. yuvj420p decodes to I420, as
// frame formats carry no colour range.
var pixFmts = formatTable[astiav.PixelFormat]{ //nolint:gochecknoglobals // a table, never written
	{frame.I420, astiav.PixelFormatYuv420P}, {frame.I420, astiav.PixelFormatYuvj420P},
	{frame.NV12, astiav.PixelFormatNv12}, {frame.I422, astiav.PixelFormatYuv422P},
	{frame.I422, astiav.PixelFormatYuvj422P}, {frame.I444, astiav.PixelFormatYuv444P},
	{frame.I444, astiav.PixelFormatYuvj444P}, {frame.YUY2, astiav.PixelFormatYuyv422},
	{frame.RGBA, astiav.PixelFormatRgba}, {frame.BGRA, astiav.PixelFormatBgra},
	{frame.GRAY8, astiav.PixelFormatGray8},
}

// sampleFmts are the raw audio formats and their FFmpeg equivalents.
var sampleFmts = formatTable[astiav.SampleFormat]{ //nolint:gochecknoglobals // a table, never written
	{frame.S16, astiav.SampleFormatS16}, {frame.S16P, astiav.SampleFormatS16P},
	{frame.F32, astiav.SampleFormatFlt}, {frame.F32P, astiav.SampleFormatFltp},
}

func formatOfPix(p astiav.PixelFormat) frame.Format { return pixFmts.format(p) }

func pixOfFormat(f frame.Format) (astiav.PixelFormat, bool) {
	return pixFmts.av(f, astiav.PixelFormatNone)
}

func formatOfSample(s astiav.SampleFormat) frame.Format { return sampleFmts.format(s) }

func sampleOfFormat(f frame.Format) (astiav.SampleFormat, bool) {
	return sampleFmts.av(f, astiav.SampleFormatNone)
}

// packetOf returns a new AVPacket for the encoded frame d: a reference to
// the same buffer when d is a FrameData, else a padded copy of its bytes
// (counted by frame.CopiedBytes). The caller frees it; d is not released.
func packetOf(ctx context.Context, d frame.Data) (*C.AVPacket, error) {
	if fd, ok := d.(*FrameData); ok && fd.pkt != nil {
		p := C.av_packet_alloc()
		if p == nil {
			return nil, fmt.Errorf("ffmpeg: out of memory for a packet")
		}
		if err := avErr(C.av_packet_ref(p, fd.pkt)); err != nil {
			C.sm_packet_free(p)
			return nil, fmt.Errorf("ffmpeg: packet reference: %w", err)
		}
		return p, nil
	}
	planes, err := d.Planes(ctx)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: frame bytes: %w", err)
	}
	if len(planes) != 1 {
		return nil, fmt.Errorf("ffmpeg: an encoded frame has %d planes, want 1", len(planes))
	}
	b := planes[0]
	var p *C.AVPacket
	if len(b) == 0 {
		p = C.sm_packet_copy(nil, 0)
	} else {
		p = C.sm_packet_copy((*C.uint8_t)(unsafe.Pointer(&b[0])), C.int(len(b)))
	}
	if p == nil {
		return nil, fmt.Errorf("ffmpeg: out of memory for a %d-byte packet", len(b))
	}
	frame.CountCopy(len(b))
	return p, nil
}

// interrupter is the flag behind a format context's interrupt callback: C
// memory, set and read atomically, so cancelling from another goroutine is
// safe. Free it after the format context.
type interrupter struct {
	flag  *C.int
	stop  func() bool
	fired chan struct{}
}

// watch makes cancelling ctx interrupt the context's I/O until unwatch.
func (i *interrupter) watch(ctx context.Context) {
	i.fired = make(chan struct{})
	i.stop = context.AfterFunc(ctx, func() {
		i.Interrupt()
		close(i.fired)
	})
}

// unwatch stops cancellation from interrupting I/O, waiting for an
// interrupt under way, and clears the flag. A second call does nothing.
func (i *interrupter) unwatch() {
	if i.stop == nil {
		return
	}
	if !i.stop() {
		<-i.fired
	}
	i.stop = nil
	i.Resume()
}

func newInterrupter(fc *astiav.FormatContext) *interrupter {
	i := &interrupter{flag: (*C.int)(C.calloc(1, C.size_t(unsafe.Sizeof(C.int(0)))))}
	C.sm_set_interrupt(fmtCtx(fc), i.flag)
	return i
}

// Interrupt makes FFmpeg's blocking I/O on the context return AVERROR_EXIT.
func (i *interrupter) Interrupt() { C.sm_store_flag(i.flag, 1) }

// Resume lets I/O proceed again (to write a trailer after a cancel).
func (i *interrupter) Resume() { C.sm_store_flag(i.flag, 0) }

// free frees the flag; a second call does nothing. Call it only once the
// interrupt can no longer be set (its AfterFunc stopped or done).
func (i *interrupter) free() {
	i.unwatch()
	if i.flag != nil {
		C.free(unsafe.Pointer(i.flag))
		i.flag = nil
	}
}
