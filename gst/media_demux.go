// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
#include <stdlib.h>
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"time"
	"unsafe"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// probeTimeout bounds the discovery of an input's streams at Open when
// the input has no stall timeout of its own (media.Input.StallTimeout).
const probeTimeout = 15 * time.Second

// unreadSchemes are URL schemes GStreamer has a source for that this
// backend does not open yet, with why: the ffmpeg backend reads them.
var unreadSchemes = map[string]string{ //nolint:gochecknoglobals // a table: the URL schemes not read yet, and why
	"rtp":   "rtpsrc needs the payload's caps, which an rtp:// URL does not carry",
	"udp":   "udpsrc failed one open in three in the network conformance test (\"Could not get/set settings from/on resource\"); not verified yet",
	"rtsp":  "rtspsrc's streams come out as separate RTP pads, not yet delivered",
	"rtsps": "rtspsrc's streams come out as separate RTP pads, not yet delivered",
	"rtspt": "rtspsrc's streams come out as separate RTP pads, not yet delivered",
}

// Names of the demuxer's appsinks.
const (
	demuxVideo = "streamer_video"
	demuxAudio = "streamer_audio"
)

// Queues on the demuxer's branches. Encoded branches (after parsebin,
// which has no queue of its own) hold up to 10 s or 64 MiB, so that a
// muxer downstream waiting for the slower stream (a video encoder's
// look-ahead) does not stall the demuxer; decoded branches follow
// decodebin's multiqueue, which grows its limits when one stream runs
// dry, and keep queue's defaults (1 s, 10 MB).
const (
	encodedQueue = "queue max-size-buffers=0 max-size-bytes=67108864 max-size-time=10000000000"
	decodedQueue = "queue"
)

// mediaOpen opens in as one pipeline: a source (filesrc, or urisourcebin
// and uridecodebin for URLs), parsebin (stream copy) or decodebin
// (Decode), and an appsink per stream delivered. The streams are found now
// with GstDiscoverer, which probes in C with its own bus and no Go
// callbacks (see PITFALLS: go-gst#94), handles URLs with a timeout and
// names missing plugins. A missing local file fails with an error
// satisfying errors.Is(err, fs.ErrNotExist).
func mediaOpen(in media.Input) (media.Demuxer, error) {
	if dev, ok := in.Device(); ok {
		return cameraOpen(in, dev)
	}
	src, uri, err := inputSource(in)
	if err != nil {
		return nil, err
	}
	limit := probeTimeout
	if t := in.StallTimeout(); t > 0 {
		limit = t
	}
	found, err := discover(in.URL, uri, limit)
	if err != nil {
		return nil, err
	}
	d := &demuxer{in: in}
	parts := []string{src}
	if found.video != "" && !in.NoVideo {
		f, branch, err := videoBranch(in, found.video)
		if err != nil {
			return nil, err
		}
		d.streams.Video, parts = f, append(parts, branch)
	}
	if found.audio != "" && !in.NoAudio {
		f, branch, err := audioBranch(in, found.audio)
		if err != nil {
			return nil, err
		}
		d.streams.Audio, parts = f, append(parts, branch)
	}
	if d.streams == (media.Streams{}) {
		return nil, fmt.Errorf("gst: open %s: no stream to deliver (video: %s; audio: %s; NoVideo %v, NoAudio %v)",
			in.URL, orNone(found.video), orNone(found.audio), in.NoVideo, in.NoAudio)
	}
	d.desc = strings.Join(parts, " ")
	return d, nil
}

func orNone(caps string) string {
	if caps == "" {
		return "none"
	}
	return capsName(caps)
}

// inputSource returns the launch fragment that reads in, ending in an
// element called d with a pad per stream, and the URI to probe. A local
// path must exist.
func inputSource(in media.Input) (src, uri string, err error) {
	path := in.URL
	if scheme, _, ok := strings.Cut(in.URL, "://"); ok {
		if !strings.EqualFold(scheme, "file") {
			if why, ok := unreadSchemes[strings.ToLower(scheme)]; ok {
				return "", "", media.Unsupported("gst: open %s: %s", in.URL, why)
			}
			if u, err := url.Parse(in.URL); err == nil && strings.EqualFold(filepath.Ext(u.Path), ".m3u8") {
				return "", "", media.Unsupported("gst: open %s: an HLS playlist's streams (hlsdemux) are not delivered yet", in.URL)
			}
			cs := C.CString(strings.ToLower(scheme))
			supported := C.gst_uri_protocol_is_supported(C.GST_URI_SRC, cs) != 0
			C.free(unsafe.Pointer(cs))
			if !supported {
				return "", "", media.Unsupported("gst: open %s: no GStreamer source reads %s:// URLs", in.URL, scheme)
			}
			if in.Decode {
				return "uridecodebin uri=" + launchQuote(in.URL) + " name=d", in.URL, nil
			}
			return "urisourcebin uri=" + launchQuote(in.URL) + " ! parsebin name=d", in.URL, nil
		}
		u, perr := url.Parse(in.URL)
		if perr != nil {
			return "", "", fmt.Errorf("gst: open %s: %w", in.URL, perr)
		}
		if u.Host != "" && u.Host != "localhost" {
			return "", "", media.Unsupported("gst: open %s: a file URL on host %q", in.URL, u.Host)
		}
		path = u.Path
	}
	abs, err := filepath.Abs(path)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(abs); err == nil && fi.IsDir() {
			err = errors.New("is a directory")
		}
	}
	if err != nil {
		return "", "", fmt.Errorf("gst: open %s: %w", in.URL, err)
	}
	bin := "parsebin"
	if in.Decode {
		bin = "decodebin"
	}
	uri = (&url.URL{Scheme: "file", Path: abs}).String()
	return "filesrc location=" + launchQuote(abs) + " ! " + bin + " name=d", uri, nil
}

// found is what discover found: the caps of the first video and audio
// streams ("" when none).
type found struct{ video, audio string }

// discover probes uri with GstDiscoverer.
func discover(name, uri string, limit time.Duration) (found, error) {
	Init()
	cu := C.CString(uri)
	defer C.free(unsafe.Pointer(cu))
	var d C.streamer_discovery
	C.streamer_discover(cu, C.GstClockTime(limit), &d)
	f := found{video: goString(d.video), audio: goString(d.audio)}
	msg, missing := goString(d.error), goString(d.missing)
	switch {
	case d.result == C.GST_DISCOVERER_TIMEOUT:
		return f, fmt.Errorf("gst: open %s: no streams found within %v: %w", name, limit, media.ErrTimeout)
	case f.video == "" && f.audio == "" && strings.Contains(strings.ToLower(msg), "timed out"):
		// A protocol's own timeout (a server that accepts and says nothing).
		return f, fmt.Errorf("gst: open %s: %s: %w", name, msg, media.ErrTimeout)
	case f.video == "" && f.audio == "" && missing != "":
		return f, fmt.Errorf("gst: open %s: %w: %s", name, ErrMissingElement, missing)
	case f.video == "" && f.audio == "" && msg != "":
		return f, fmt.Errorf("gst: open %s: %s", name, msg)
	case f.video == "" && f.audio == "":
		return f, fmt.Errorf("gst: open %s: it holds no audio or video stream", name)
	}
	return f, nil
}

// capsName is the structure name of a caps string.
func capsName(caps string) string {
	name, _, _ := strings.Cut(caps, ",")
	return strings.TrimSpace(name)
}

// capsField returns a field of a caps string's first structure, or "".
func capsField(caps, field string) string {
	cc, cf := C.CString(caps), C.CString(field)
	defer C.free(unsafe.Pointer(cc))
	defer C.free(unsafe.Pointer(cf))
	return goString(C.streamer_caps_field(cc, cf))
}

// rawTarget is the raw format a video stream with caps is delivered in
// when decoded: its own when streamer has it, else the one of its chroma
// subsampling at 8 bits (I420 when unknown).
func rawTarget(caps string) frame.Format {
	if capsName(caps) == "video/x-raw" {
		format := capsField(caps, "format")
		for f, name := range rawVideo {
			if name == format {
				return f
			}
		}
	}
	switch capsField(caps, "chroma-format") {
	case "4:2:2":
		return frame.I422
	case "4:4:4":
		return frame.I444
	case "4:0:0":
		return frame.GRAY8
	}
	return frame.I420
}

// videoBranch links the first video stream to its appsink: decoded (or
// raw in the input) through videoconvert to the format Streams reports (a
// pass-through when the decoder gives it), else parsed into the
// self-delimited form of encodedCaps.
func videoBranch(in media.Input, caps string) (frame.Format, string, error) {
	if in.Decode || capsName(caps) == "video/x-raw" {
		f := rawTarget(caps)
		return f, fmt.Sprintf("d. ! video/x-raw ! %s ! videoconvert ! video/x-raw,format=%s ! appsink name=%s",
			decodedQueue, rawVideo[f], demuxVideo), nil
	}
	return encodedBranch(in, caps, "video", demuxVideo)
}

// audioBranch links the first audio stream to its appsink: decoded (or
// raw) as F32P, GStreamer's decoders' usual output (avdec_aac's), else
// parsed (AAC as ADTS).
func audioBranch(in media.Input, caps string) (frame.Format, string, error) {
	if in.Decode || capsName(caps) == "audio/x-raw" {
		return frame.F32P, fmt.Sprintf("d. ! audio/x-raw ! %s ! audioconvert ! audio/x-raw,format=F32LE,layout=non-interleaved ! appsink name=%s",
			decodedQueue, demuxAudio), nil
	}
	return encodedBranch(in, caps, "audio", demuxAudio)
}

// encodedBranch links an encoded stream to the appsink called sink,
// through the codec's parser; a codec streamer has no format for is
// refused.
func encodedBranch(in media.Input, caps, kind, sink string) (frame.Format, string, error) {
	ci, _, err := parseCapsString(caps)
	if err != nil || ci == nil {
		return 0, "", media.Unsupported("gst: open %s: its %s is %s, which streamer cannot pass on encoded (open it with Decode, or leave it out)", in.URL, kind, capsName(caps))
	}
	f := ci.format
	ci.free()
	filter := capsName(caps)
	if filter == "audio/mpeg" {
		filter += ",mpegversion=" + capsField(caps, "mpegversion")
	}
	parts := []string{"d. ! " + filter, encodedQueue}
	if p, ok := parsers[f]; ok && HasElement(p) {
		parts = append(parts, strings.TrimSpace(p+" "+parseAfterEncoder[f]))
	}
	return f, strings.Join(append(parts, "appsink name="+sink), " ! "), nil
}

// demuxer is an opened input.
type demuxer struct {
	in      media.Input
	streams media.Streams
	desc    string
}

func (d *demuxer) Streams() media.Streams { return d.streams }

// Name returns "gst-demux".
func (d *demuxer) Name() string { return "gst-demux" }

// Run plays the pipeline and sends each stream's frames on its port, both
// pulled at once (one goroutine each), until the end of the input (nil),
// a bus error (returned after the frames before it, through
// stage.AfterDrain), or cancellation (ctx.Err(), at once, every frame
// released). A port whose reader stops, or that is the zero Out, has its
// frames released as they come, so the other stream goes on; when both
// readers have stopped, the pipeline stops. With Input.Realtime the
// appsinks wait for the pipeline clock (sync=true), as ffmpeg -re paces.
func (d *demuxer) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	p, err := newPipeline(d.desc, nil)
	if err != nil {
		return err
	}
	defer p.stop()
	if in := d.in; in.Decode && (in.Decoding.OnError == media.Fail || in.Decoding.Threads > 0) {
		C.streamer_decoder_settings(p.el, C.gboolean(boolInt(in.Decoding.OnError == media.Fail)), C.int(in.Decoding.Threads))
	}
	var ps ports
	defer ps.close()
	var gone atomic.Int32
	if d.streams.Video != 0 {
		err = addPort(ctx, p, &ps, demuxVideo, video, d.in.Realtime, &gone, d.wanted())
	}
	if d.streams.Audio != 0 && err == nil {
		err = addPort(ctx, p, &ps, demuxAudio, audio, d.in.Realtime, &gone, d.wanted())
	}
	if err != nil {
		return err
	}
	defer p.onCancel(ctx)()
	if err := p.setState(StatePlaying); err != nil {
		return fmt.Errorf("gst: open %s: %w", d.in.URL, err)
	}
	errs := make(chan error, len(ps.runs))
	for _, run := range ps.runs {
		go func() { errs <- run() }()
	}
	var first error
	for range ps.runs {
		if err := <-errs; err != nil && first == nil {
			first = err
		}
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return first
}

// wanted is how many ports the demuxer sends on.
func (d *demuxer) wanted() int32 {
	n := int32(0)
	if d.streams.Video != 0 {
		n++
	}
	if d.streams.Audio != 0 {
		n++
	}
	return n
}

// ports are a demuxer's connected streams: what delivers each one's
// frames, and what closes its puller once that returned.
type ports struct {
	runs   []func() error
	closes []func()
}

// close closes the pullers, the last added first.
func (ps *ports) close() {
	for _, c := range slices.Backward(ps.closes) {
		c()
	}
}

// addPort adds to ps the port that delivers the frames of the appsink
// called name on out (see deliver); ps is unchanged on error. The appsink
// waits for the pipeline clock when realtime.
func addPort[T frame.Frame](ctx context.Context, p *pipeline, ps *ports, name string, out stage.Out[T], realtime bool, gone *atomic.Int32, wanted int32) error {
	pl, err := newPuller[T](p, name, defaultQueue)
	if err != nil {
		return err
	}
	if realtime {
		cs := C.CString("sync")
		C.streamer_set_boolean(pl.el, cs, 1)
		C.free(unsafe.Pointer(cs))
	}
	ps.runs = append(ps.runs, func() error { return deliver(ctx, p, pl, out, gone, wanted) })
	ps.closes = append(ps.closes, pl.close)
	return nil
}

// deliver sends pl's frames on out. When out's reader stops (or out is
// the zero Out) it releases the frames instead, so that the demuxer, which
// feeds every stream from one thread, is not held up; the last of the
// wanted ports to stop stops the pipeline.
func deliver[T frame.Frame](ctx context.Context, p *pipeline, pl *puller[T], out stage.Out[T], gone *atomic.Int32, wanted int32) error {
	if out != (stage.Out[T]{}) {
		err := pl.sendAll(ctx, out)
		if !errors.Is(err, errReaderGone) {
			return afterFrames(ctx, err, pl.sent > 0)
		}
	}
	if gone.Add(1) == wanted {
		p.stopPlaying()
		return nil
	}
	for {
		v, ok, err := pl.pull(ctx)
		if !ok {
			return err
		}
		v.Release()
	}
}
