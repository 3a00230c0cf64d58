// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command transcode re-encodes a media file (or URL) with the FFmpeg
// backend, audio kept:
//
//	ffmpeg.Demux ─ video → Decoder → [Scaler] → Encoder ─┐
//	             └ audio → Decoder ────────────→ Encoder ─┴→ ffmpeg.Mux
//
// Usage:
//
//	go run ./examples/transcode -i in.mp4 -o out.mkv -vcodec h264 -acodec aac -preset veryfast -crf 23
//
// -vcodec is h264, h265, vp8, vp9, av1, copy or none; -acodec is aac, opus,
// copy or none. The container follows the extension of -o (.mp4, .mkv,
// .webm, .ts, ...) unless -f names one. -size WxH scales the video. -re
// reads the input at its real rate (for live outputs). A progress line shows
// on a terminal. The first Ctrl-C stops gracefully, as ffmpeg's does: the
// input stops, the encoders flush, the muxer writes its trailer and every
// frame read is in the file (exit status 0); a second Ctrl-C cancels at
// once, leaving a finished but shorter file (exit status 130). The summary
// says how many frames of each stream the muxer wrote.
//
// Check the result with ffprobe:
//
//	ffprobe -v error -show_entries stream=codec_name,width,height,sample_rate out.mkv
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/ffmpeg"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stream"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

var codecs = map[string]frame.Format{
	"h264": frame.H264, "h265": frame.H265, "hevc": frame.H265, "vp8": frame.VP8, "vp9": frame.VP9, "av1": frame.AV1,
	"aac": frame.AAC, "opus": frame.Opus,
}

type config struct {
	in, out, format    string
	vcodec, acodec     string
	vbitrate, abitrate int64
	crf, gop, threads  int
	preset, tune       string
	width, height      int
	realtime           bool
	loglevel           string
	backend            string
}

var errPrinted = errors.New("bad flags")

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("transcode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.in, "i", "", "input file or URL (required)")
	fs.StringVar(&c.out, "o", "", "output file or URL (required)")
	fs.StringVar(&c.format, "f", "", "output container (mp4, matroska, webm, mpegts, ...); default from -o's extension")
	fs.StringVar(&c.vcodec, "vcodec", "h264", "video codec: h264, h265, vp8, vp9, av1, copy or none")
	fs.StringVar(&c.acodec, "acodec", "aac", "audio codec: aac, opus, copy or none")
	fs.Int64Var(&c.vbitrate, "vb", 0, "video bit rate in bits/s (0: the encoder's default or -crf)")
	fs.Int64Var(&c.abitrate, "ab", 128000, "audio bit rate in bits/s")
	fs.IntVar(&c.crf, "crf", 0, "video constant rate factor (0: unset)")
	fs.IntVar(&c.gop, "gop", 0, "most frames between keyframes (0: the encoder's default)")
	fs.IntVar(&c.threads, "threads", 0, "codec threads (0: one per core, as the ffmpeg CLI)")
	fs.StringVar(&c.preset, "preset", "", "encoder preset (x264/x265: ultrafast..veryslow; libvpx: realtime, good, best)")
	fs.StringVar(&c.tune, "tune", "", "encoder tune (e.g. zerolatency)")
	size := fs.String("size", "", "scale the video to WxH")
	fs.BoolVar(&c.realtime, "re", false, "read the input at its real rate")
	fs.StringVar(&c.loglevel, "loglevel", "warning", "what FFmpeg prints: quiet, error, warning, info, verbose, debug")
	fs.StringVar(&c.backend, "backend", "ffmpeg", "ffmpeg, or gst (GStreamer: decodebin, gst encoders and muxers; no copy, no -crf/-tune)")
	fs.Usage = func() {
		fmt.Fprintln(fs.Output(), "usage: transcode -i IN -o OUT [-vcodec h264] [-acodec aac] [flags]")
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return c, err
		}
		return c, errPrinted
	}
	var err error
	switch {
	case fs.NArg() > 0:
		err = fmt.Errorf("unexpected argument %q (flags come before it?)", fs.Arg(0))
	case c.in == "":
		err = errors.New("missing -i: name the input file or URL")
	case c.out == "":
		err = errors.New("missing -o: name the output file or URL")
	case c.vcodec == "none" && c.acodec == "none":
		err = errors.New("-vcodec none and -acodec none: nothing to write")
	case c.backend != "ffmpeg" && c.backend != "gst":
		err = fmt.Errorf("-backend %q: want ffmpeg or gst", c.backend)
	case c.backend == "gst" && (c.vcodec == "copy" || c.acodec == "copy"):
		err = errors.New("copy needs -backend ffmpeg")
	}
	for _, k := range []struct{ flag, v string }{{"-vcodec", c.vcodec}, {"-acodec", c.acodec}} {
		if _, ok := codecs[k.v]; err == nil && !ok && k.v != "copy" && k.v != "none" {
			err = fmt.Errorf("%s %q: unknown codec", k.flag, k.v)
		}
	}
	if err == nil {
		if err = ffmpeg.SetLogLevel(c.loglevel); err != nil {
			err = fmt.Errorf("-loglevel: %w", err)
		}
	}
	if err == nil && *size != "" {
		if c.width, c.height, err = cli.ParseSize(*size); err != nil {
			err = fmt.Errorf("-size %q: %w", *size, err)
		}
	}
	return c, err
}

// run transcodes as args say, writing messages and the summary to stderr,
// and returns the exit status.
func run(args []string, stderr io.Writer) int {
	c, err := parseFlags(args, stderr)
	switch {
	case errors.Is(err, flag.ErrHelp):
		return 0
	case errors.Is(err, errPrinted):
		return 2
	case err != nil:
		fmt.Fprintln(stderr, "transcode:", err)
		return 2
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	var g *stream.Graph
	var out outputs
	if c.backend == "gst" {
		g, out, err = gstGraph(c)
	} else {
		g, out = ffmpegGraph(c)
	}
	if err != nil {
		fmt.Fprintln(stderr, "transcode:", err)
		return 1
	}
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("transcode"))
	defer release()

	stopProgress := cli.Progress(g, "mux", 0)
	start := time.Now()
	err = g.Run(ctx)
	elapsed := time.Since(start)
	stopProgress()

	what := fmt.Sprintf("%s from %s to %s in %v", cli.Written(out.video, out.audio), c.in, c.out, elapsed.Round(time.Millisecond))
	switch {
	case err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()):
		fmt.Fprintf(stderr, "transcode: cancelled: wrote %s (file finished)\n", what)
		return 130
	case err != nil:
		fmt.Fprintf(stderr, "transcode: %v\n(wrote %s)\n", err, what)
		return 1
	case frame.Live() != 0:
		fmt.Fprintf(stderr, "transcode: wrote %s, but %d frame handles leaked\n", what, frame.Live())
		return 1
	}
	fmt.Fprintf(stderr, "transcode: wrote %s\n", what)
	return 0
}

// outputs are the pipes into the muxer, whose counts say what was written.
type outputs struct {
	video *stream.Pipe[frame.Video]
	audio *stream.Pipe[frame.Audio]
}

// ffmpegGraph is demux → (decode → scale → encode) per stream → mux, all
// FFmpeg.
func ffmpegGraph(c config) (*stream.Graph, outputs) {
	global := ffmpeg.WantsGlobalHeader(c.out, c.format)
	g := stream.New()
	vp, ap := ffmpeg.AddDemux(g, "demux", &ffmpeg.Demux{URL: c.in, Realtime: c.realtime}, c.vcodec != "none", c.acodec != "none")
	var vout *stream.Pipe[frame.Video]
	var aout *stream.Pipe[frame.Audio]
	switch c.vcodec {
	case "none":
	case "copy":
		vout = vp
	default:
		raw := stream.AddTransform(g, "video-decoder", vp, &ffmpeg.Decoder[frame.Video]{Threads: c.threads})
		if c.width > 0 {
			raw = stream.AddTransform(g, "scale", raw, &ffmpeg.Scaler{Width: c.width, Height: c.height})
		}
		vout = stream.AddTransform(g, "video-encoder", raw, &ffmpeg.Encoder[frame.Video]{
			Format: codecs[c.vcodec], BitRate: c.vbitrate, CRF: c.crf, GOP: c.gop, Preset: c.preset, Tune: c.tune,
			Threads: c.threads, GlobalHeader: global,
		})
	}
	switch c.acodec {
	case "none":
	case "copy":
		aout = ap
	default:
		raw := stream.AddTransform(g, "audio-decoder", ap, &ffmpeg.Decoder[frame.Audio]{})
		aout = stream.AddTransform(g, "audio-encoder", raw, &ffmpeg.Encoder[frame.Audio]{
			Format: codecs[c.acodec], BitRate: c.abitrate, GlobalHeader: global,
		})
	}
	ffmpeg.AddMux(g, "mux", &ffmpeg.Mux{URL: c.out, Format: c.format}, vout, aout)
	return g, outputs{vout, aout}
}

// gstGraph does the same with GStreamer: decodebin per stream, gst
// encoders, and a gst muxer chosen by the output's extension.
func gstGraph(c config) (*stream.Graph, outputs, error) {
	muxer, ok := cli.GstMuxers[strings.ToLower(filepath.Ext(c.out))]
	if !ok {
		return nil, outputs{}, fmt.Errorf("-backend gst: -o %q: the extension must be one of .mp4 .mov .mkv .webm .ts", c.out)
	}
	in := "filesrc location=" + strconv.Quote(c.in) + " ! decodebin"
	g := stream.New()
	sink := &gst.MuxSink{Muxer: muxer, Output: "filesink location=" + strconv.Quote(c.out)}
	var vout *stream.Pipe[frame.Video]
	var aout *stream.Pipe[frame.Audio]
	if c.vcodec != "none" {
		enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: codecs[c.vcodec], Bitrate: int(c.vbitrate), KeyframeInterval: c.gop, Preset: c.preset})
		if err != nil {
			return nil, outputs{}, err
		}
		desc := in + " ! videoconvert"
		if c.width > 0 {
			desc += fmt.Sprintf(" ! videoscale ! video/x-raw,width=%d,height=%d", c.width, c.height)
		}
		vout = stream.AddTransform(g, "video-encoder", stream.AddSource(g, "video-decoder", gst.NewSource[frame.Video](desc)), enc)
		sink.Video = gstParser(codecs[c.vcodec])
	}
	if c.acodec != "none" {
		enc, err := gst.NewAudioEncoder(gst.EncoderConfig{Codec: codecs[c.acodec], Bitrate: int(c.abitrate)})
		if err != nil {
			return nil, outputs{}, err
		}
		aout = stream.AddTransform(g, "audio-encoder", stream.AddSource(g, "audio-decoder", gst.NewSource[frame.Audio](in+" ! audioconvert ! audioresample")), enc)
		sink.Audio = gstParser(codecs[c.acodec])
	}
	switch {
	case vout != nil && aout != nil:
		g.Add("mux", func(ctx context.Context) error { return sink.Run(ctx, vout.In(), aout.In()) }).Reads(vout, aout)
	case vout != nil:
		stream.AddSink(g, "mux", vout, gst.NewSink[frame.Video](sink.Video+" ! "+muxer+" ! "+sink.Output))
	default:
		stream.AddSink(g, "mux", aout, gst.NewSink[frame.Audio](sink.Audio+" ! "+muxer+" ! "+sink.Output))
	}
	return g, outputs{vout, aout}, nil
}

func gstParser(f frame.Format) string {
	if p, ok := cli.GstParsers[f]; ok && gst.HasElement(p) {
		return p
	}
	return "identity"
}
