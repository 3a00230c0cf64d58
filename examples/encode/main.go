// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command encode encodes test video (and a test tone) into a file with the
// GStreamer backend:
//
//	stage.Pattern → gst video encoder ─┐
//	                                   ├→ gst.MuxSink (mp4mux / matroskamux / webmmux)
//	stage.Sine    → gst audio encoder ─┘
//
// Usage:
//
//	go run ./examples/encode -codec h264 -audio aac -frames 300 -size 1280x720 -fps 30 -o out.mp4
//
// -codec is h264, h265, vp8, vp9 or av1; -audio is opus, aac or none; the
// container follows the extension of -o (.mp4, .mkv, .webm). The encoder
// element is the best one installed (hardware first); -element names one.
// A progress line shows on a terminal. The first Ctrl-C stops gracefully,
// as ffmpeg's does: the sources stop at one media time, the encoders flush
// and the muxer finishes the file, which holds every frame made; a second
// Ctrl-C cancels at once. The summary says how many frames of each stream
// the muxer wrote.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func main() {
	if err := run(os.Args[1:], os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "encode:", err)
		}
		os.Exit(1)
	}
}

var codecs = map[string]frame.Format{"h264": frame.H264, "h265": frame.H265, "vp8": frame.VP8, "vp9": frame.VP9, "av1": frame.AV1, "opus": frame.Opus, "aac": frame.AAC}

var muxers = map[string]struct {
	element string
	video   []frame.Format
	audio   []frame.Format
}{
	".mp4":  {"mp4mux", []frame.Format{frame.H264, frame.H265, frame.VP9, frame.AV1}, []frame.Format{frame.AAC, frame.Opus}},
	".mkv":  {"matroskamux", []frame.Format{frame.H264, frame.H265, frame.VP8, frame.VP9, frame.AV1}, []frame.Format{frame.AAC, frame.Opus}},
	".webm": {"webmmux", []frame.Format{frame.VP8, frame.VP9, frame.AV1}, []frame.Format{frame.Opus}},
	".ts":   {"mpegtsmux", []frame.Format{frame.H264, frame.H265}, []frame.Format{frame.AAC, frame.Opus}},
	".flv":  {"flvmux", []frame.Format{frame.H264}, []frame.Format{frame.AAC}},
}

// run encodes as the flags in args say, writing its summary to stderr.
func run(args []string, stderr io.Writer) error {
	fs := flag.NewFlagSet("encode", flag.ContinueOnError)
	fs.SetOutput(stderr)
	codec := fs.String("codec", "h264", "video codec: h264, h265, vp8, vp9 or av1")
	audioCodec := fs.String("audio", "aac", "audio codec: opus, aac or none")
	frames := fs.Int("frames", 300, "frames to encode (0: until Ctrl-C, paced in real time)")
	size := fs.String("size", "1280x720", "frame size, WxH")
	fpsFlag := fs.String("fps", "30", "frame rate: an integer or N/D")
	out := fs.String("o", "", "output file: .mp4, .mkv, .webm, .ts or .flv (required)")
	element := fs.String("element", "", "GStreamer video encoder to use (default: the best installed)")
	bitrate := fs.Int("bitrate", 0, "video bitrate in bits per second (default: the encoder's)")
	preset := fs.String("preset", "veryfast", "speed preset, ultrafast to veryslow")
	if err := fs.Parse(args); err != nil {
		return err
	}

	vc, ok := codecs[*codec]
	if !ok || !vc.IsVideo() {
		return fmt.Errorf("-codec %q: want h264, h265, vp8, vp9 or av1", *codec)
	}
	ac, withAudio := codecs[*audioCodec]
	if *audioCodec != "none" && (!withAudio || !ac.IsAudio()) {
		return fmt.Errorf("-audio %q: want opus, aac or none", *audioCodec)
	}
	if *out == "" {
		return errors.New("missing -o: name the output file (.mp4, .mkv, .webm, .ts or .flv)")
	}
	mux, ok := muxers[strings.ToLower(filepath.Ext(*out))]
	if !ok {
		return fmt.Errorf("-o %q: the extension must be .mp4, .mkv, .webm, .ts or .flv", *out)
	}
	if !contains(mux.video, vc) || (withAudio && !contains(mux.audio, ac)) {
		return fmt.Errorf("%s cannot hold %v video with %s audio", filepath.Ext(*out), vc, *audioCodec)
	}
	w, h, err := cli.ParseSize(*size)
	if err != nil {
		return fmt.Errorf("-size %q: %w", *size, err)
	}
	fps, err := cli.ParseRate(*fpsFlag)
	if err != nil {
		return fmt.Errorf("-fps %q: %w", *fpsFlag, err)
	}
	if *frames < 0 {
		return fmt.Errorf("-frames %d: want 0 (until Ctrl-C) or more", *frames)
	}
	live := *frames == 0

	venc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: vc, Element: *element, Bitrate: *bitrate, Preset: *preset, KeyframeInterval: 2 * (fps.Num / fps.Den)})
	if err != nil {
		return err
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	g := stream.New()
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("encode"))
	defer release()
	video := stream.AddSource(g, "pattern", &stage.Pattern{Width: w, Height: h, FPS: fps, Frames: *frames, Live: live})
	encoded := stream.AddTransform(g, "video-encoder", video, venc)
	sink := &gst.MuxSink{Video: parserFor(vc), Muxer: mux.element, Output: "filesink location=" + *out}
	var audio *stream.Pipe[frame.Audio]
	if withAudio {
		aenc, err := gst.NewAudioEncoder(gst.EncoderConfig{Codec: ac})
		if err != nil {
			return err
		}
		// The tone lasts as long as the video: 1024-sample frames at 48 kHz.
		seconds := float64(*frames) * float64(fps.Den) / float64(fps.Num)
		tone := &stage.Sine{Samples: 1024, Frames: int(math.Round(seconds * 48000 / 1024)), Live: live}
		audio = stream.AddTransform(g, "audio-encoder", stream.AddSource(g, "sine", tone), aenc)
		sink.Audio = parserFor(ac)
		g.Add("mux", func(ctx context.Context) error { return sink.Run(ctx, encoded.In(), audio.In()) }).Reads(encoded, audio)
	} else {
		g.Add("mux", func(ctx context.Context) error {
			return gst.NewSink[frame.Video](sink.Video+" ! "+mux.element+" ! "+sink.Output).Run(ctx, encoded.In())
		}).Reads(encoded)
	}

	stopProgress := cli.Progress(g, "video-encoder", *frames)
	start := time.Now()
	err = g.Run(ctx)
	stopProgress()
	enc := cli.Stage(g, "video-encoder")
	fmt.Fprintf(stderr, "encode: wrote %s of %dx%d through %s into %s in %v (%.1f fps)\n",
		cli.Written(encoded, audio), w, h, venc.Name(), *out, time.Since(start).Round(time.Millisecond), enc.FPS)
	if err != nil && ctx.Err() != nil {
		fmt.Fprintln(stderr, "encode: cancelled; the file holds what was written")
		return nil
	}
	return err
}

func parserFor(f frame.Format) string {
	if p, ok := cli.GstParsers[f]; ok && gst.HasElement(p) {
		return p
	}
	return "identity"
}

func contains(fs []frame.Format, f frame.Format) bool {
	for _, x := range fs {
		if x == f {
			return true
		}
	}
	return false
}
