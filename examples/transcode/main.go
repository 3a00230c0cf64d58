// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command transcode re-encodes a media file (or URL), audio kept, through
// the backend-neutral API (package media): it names no backend but in its
// imports, so the same program runs on GStreamer, FFmpeg or both:
//
//	input ─ video → decoder → [scaler] → encoder ─┐
//	      └ audio → decoder ────────────→ encoder ─┴→ output
//
// Usage:
//
//	go run ./examples/transcode -i in.mp4 -o out.mkv -vcodec h264 -acodec aac -preset fast -crf 23
//
// -vcodec is h264, h265, vp8, vp9, av1, copy or none; -acodec is aac,
// opus, copy or none. The container follows the extension of -o (.mp4,
// .mkv, .webm, .ts, .flv, .y4m) unless -f names one. -size WxH scales the
// video. -re reads the input at its real rate. -backend names the backend
// to prefer (gst, ffmpeg, y4m); a job it cannot do goes to another.
//
// The first Ctrl-C stops gracefully, as ffmpeg's does: the input stops,
// the encoders flush, the muxer writes its trailer and every frame read is
// in the file (exit status 0); a second Ctrl-C cancels at once, leaving a
// finished but shorter file (exit status 130). The summary says how many
// frames of each stream the muxer wrote.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"

	// The backends: each registers itself with package media.
	_ "github.com/spinorml/streamer/ffmpeg"
	_ "github.com/spinorml/streamer/gst"
	_ "github.com/spinorml/streamer/vaapi"
	_ "github.com/spinorml/streamer/y4m"
)

func main() { os.Exit(run(os.Args[1:], os.Stderr)) }

type config struct {
	in, out, container string
	vcodec, acodec     string
	video              media.VideoEncoding
	audio              media.AudioEncoding
	scale              media.Scaling
	realtime           bool
	prefer             []string
	http               string // the live page's address; "" for none
}

var errPrinted = errors.New("bad flags")

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("transcode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.in, "i", "", "input file or URL (required)")
	fs.StringVar(&c.out, "o", "", "output file or URL (required)")
	fs.StringVar(&c.container, "f", "", "output container (mp4, matroska, webm, mpegts, flv, y4m); default from -o's extension")
	fs.StringVar(&c.vcodec, "vcodec", "h264", "video codec: h264, h265, vp8, vp9, av1, copy or none")
	fs.StringVar(&c.acodec, "acodec", "aac", "audio codec: aac, opus, copy or none")
	fs.Int64Var(&c.video.Bitrate, "vb", 0, "video bit rate in bits/s (VBR; 0: -crf or the encoder's default)")
	fs.Int64Var(&c.audio.Bitrate, "ab", 128000, "audio bit rate in bits/s")
	fs.IntVar(&c.video.Quality, "crf", 0, "constant quality (CRF) on the codec's scale (0: unset)")
	fs.IntVar(&c.video.KeyframeInterval, "gop", 0, "most frames between key frames (0: the encoder's default)")
	fs.IntVar(&c.video.Threads, "threads", 0, "encoder threads (0: the encoder's choice)")
	preset := fs.String("preset", "default", "speed/quality: fastest, fast, balanced, slow, best, or default")
	fs.BoolVar(&c.video.LowLatency, "lowlatency", false, "tune the encoder for live use")
	size := fs.String("size", "", "scale the video to WxH")
	fs.BoolVar(&c.realtime, "re", false, "read the input at its real rate")
	backend := fs.String("backend", "", "backend to prefer: gst, ffmpeg or y4m (default: hardware, then software)")
	fs.StringVar(&c.http, "http", "", cli.HTTPUsage)
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
	if *backend != "" {
		c.prefer = []string{*backend}
	}
	var err error
	switch {
	case fs.NArg() > 0:
		return c, fmt.Errorf("unexpected argument %q (flags come before it?)", fs.Arg(0))
	case c.in == "":
		return c, errors.New("missing -i: name the input file or URL")
	case c.out == "":
		return c, errors.New("missing -o: name the output file or URL")
	case c.vcodec == "none" && c.acodec == "none":
		return c, errors.New("-vcodec none and -acodec none: nothing to write")
	}
	if c.video.Preset, err = media.ParsePreset(*preset); err != nil {
		return c, fmt.Errorf("-preset: %w", err)
	}
	if c.video.Quality != 0 {
		c.video.Rate = media.CRF
	} else if c.video.Bitrate != 0 {
		c.video.Rate = media.VBR
	}
	if c.video.Codec, err = codecFlag("-vcodec", c.vcodec, frame.Format.IsVideo); err != nil {
		return c, err
	}
	if c.audio.Codec, err = codecFlag("-acodec", c.acodec, frame.Format.IsAudio); err != nil {
		return c, err
	}
	if *size != "" {
		if c.scale.Width, c.scale.Height, err = cli.ParseSize(*size); err != nil {
			return c, fmt.Errorf("-size %q: %w", *size, err)
		}
	}
	return c, nil
}

// codecFlag returns the encoded format a codec flag names; 0 for copy and
// none.
func codecFlag(flag, name string, kind func(frame.Format) bool) (frame.Format, error) {
	if name == "copy" || name == "none" {
		return 0, nil
	}
	f, ok := cli.Codecs[name]
	if !ok || !kind(f) {
		return 0, fmt.Errorf("%s %q: unknown codec", flag, name)
	}
	return f, nil
}

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
	g, out, err := build(c)
	if err != nil {
		fmt.Fprintln(stderr, "transcode:", err)
		return 1
	}
	stopLive, err := cli.ServeLive(g, c.http, "transcode "+c.in, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "transcode:", err)
		return 1
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("transcode"))
	defer release()

	stopProgress := cli.Progress(g, "output", 0)
	start := time.Now()
	err = g.Run(ctx)
	elapsed := time.Since(start)
	stopProgress()
	stopLive() // a watched preview holds a frame until then

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

// build makes input → (decode → scale → encode) per stream → output. Every
// stage is built, and so checked, before anything runs.
func build(c config) (*stream.Graph, outputs, error) {
	in, err := media.Open(media.Input{URL: c.in, NoVideo: c.vcodec == "none", NoAudio: c.acodec == "none", Realtime: c.realtime}, c.prefer...)
	if err != nil {
		return nil, outputs{}, err
	}
	g := stream.New()
	video, audio := media.AddInput(g, "input", in)
	if (media.Output{URL: c.out}).Live() {
		// A receiver may join a network output at any time: a key frame a
		// second with its parameter sets, low-latency tuning.
		c.video = c.video.Live(frame.Rational{})
	}
	var out outputs
	if out.video, err = videoChain(g, c, video); err != nil {
		return nil, outputs{}, err
	}
	if out.audio, err = audioChain(g, c, audio); err != nil {
		return nil, outputs{}, err
	}
	streams := in.Streams()
	desc := media.Output{URL: c.out, Container: c.container, Video: c.video.Codec, Audio: c.audio.Codec}
	if c.vcodec == "copy" {
		desc.Video = streams.Video
	}
	if c.acodec == "copy" {
		desc.Audio = streams.Audio
	}
	m, err := media.Create(desc, c.prefer...)
	if err != nil {
		return nil, outputs{}, err
	}
	media.AddOutput(g, "output", m, out.video, out.audio)
	return g, out, nil
}

// videoChain decodes, scales and encodes p, or passes it on for copy.
func videoChain(g *stream.Graph, c config, p *stream.Pipe[frame.Video]) (*stream.Pipe[frame.Video], error) {
	if p == nil || c.vcodec == "copy" {
		return p, nil
	}
	dec, err := media.NewVideoDecoder(media.Decoding{}, c.prefer...)
	if err != nil {
		return nil, err
	}
	p = stream.AddTransform(g, "video-decoder", p, dec)
	if c.scale.Width > 0 {
		s, err := media.NewScaler(c.scale, c.prefer...)
		if err != nil {
			return nil, err
		}
		p = stream.AddTransform(g, "scale", p, s)
	}
	enc, err := media.NewVideoEncoder(c.video, c.prefer...)
	if err != nil {
		return nil, err
	}
	return stream.AddTransform(g, "video-encoder", p, enc), nil
}

// audioChain decodes and encodes p, or passes it on for copy.
func audioChain(g *stream.Graph, c config, p *stream.Pipe[frame.Audio]) (*stream.Pipe[frame.Audio], error) {
	if p == nil || c.acodec == "copy" {
		return p, nil
	}
	dec, err := media.NewAudioDecoder(media.Decoding{}, c.prefer...)
	if err != nil {
		return nil, err
	}
	enc, err := media.NewAudioEncoder(c.audio, c.prefer...)
	if err != nil {
		return nil, err
	}
	return stream.AddTransform(g, "audio-encoder", stream.AddTransform(g, "audio-decoder", p, dec), enc), nil
}
