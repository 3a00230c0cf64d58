// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Command whep serves a live test pattern and tone over WebRTC: the
// built-in WHEP endpoint of package webrtc, which any browser plays.
//
//	stage.Pattern → video encoder ─┐
//	                               ├→ webrtc.Endpoint (WHEP, and a player page)
//	stage.Sine    → Opus encoder  ─┘
//
// Usage:
//
//	go run ./examples/whep -http 127.0.0.1:8089 -size 1280x720 -fps 30 -codec h264
//
// It prints the page to open (http://127.0.0.1:8089/) and the WHEP URL
// for other clients (http://127.0.0.1:8089/whep, or whep://... for
// media.Open). -codec is h264, vp8 or vp9; -frames N stops after N
// frames (0: until Ctrl-C); -loopback gathers ICE candidates on
// 127.0.0.1 only (a browser on the same machine), otherwise on the
// machine's own addresses. The first Ctrl-C stops gracefully (viewers
// get the end of the stream), a second cancels.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/spinorml/streamer/examples/internal/cli"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
	"github.com/spinorml/streamer/webrtc"

	// The encoders: FFmpeg's, or GStreamer's when FFmpeg lacks one.
	_ "github.com/spinorml/streamer/ffmpeg"
	_ "github.com/spinorml/streamer/gst"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "whep:", err)
		}
		os.Exit(1)
	}
}

// run serves as the flags in args say; it prints the URLs to stdout.
func run(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("whep", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("http", "127.0.0.1:8089", "address to serve HTTP on (port 0: any free port)")
	codec := fs.String("codec", "h264", "video codec: h264, vp8 or vp9")
	size := fs.String("size", "1280x720", "frame size, WxH")
	fpsFlag := fs.String("fps", "30", "frame rate: an integer or N/D")
	frames := fs.Int("frames", 0, "frames to serve (0: until Ctrl-C)")
	loopback := fs.Bool("loopback", false, "ICE on 127.0.0.1 only")
	if err := fs.Parse(args); err != nil {
		return err
	}
	video := cli.Codecs[*codec]
	if video != frame.H264 && video != frame.VP8 && video != frame.VP9 {
		return fmt.Errorf("-codec %q: want h264, vp8 or vp9", *codec)
	}
	w, h, err := cli.ParseSize(*size)
	if err != nil {
		return fmt.Errorf("-size %q: %w", *size, err)
	}
	fps, err := cli.ParseRate(*fpsFlag)
	if err != nil {
		return fmt.Errorf("-fps %q: %w", *fpsFlag, err)
	}
	// Live settings: no B-frames, a key frame a second (a viewer joins at
	// the next one), a bit rate a browser keeps up with.
	venc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: video, Preset: media.PresetFastest, LowLatency: true,
		KeyframeInterval: max(1, int(math.Round(fps.Float()))), Rate: media.CBR, Bitrate: 2_000_000})
	if err != nil {
		return err
	}
	aenc, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.Opus, Bitrate: 64000, Rate: 48000, Channels: 2})
	if err != nil {
		return err
	}
	ep, err := webrtc.NewEndpoint(webrtc.EndpointOptions{Options: webrtc.Options{Loopback: *loopback}, Video: video, Audio: frame.Opus})
	if err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/whep", ep)  // POST an offer; GET the player page
	mux.Handle("/whep/", ep) // DELETE a session
	mux.Handle("/{$}", http.RedirectHandler("/whep", http.StatusFound))
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	defer func() { _ = srv.Close() }() // the example is ending: a listener that fails to close leaves nothing behind
	base := "http://" + ln.Addr().String()
	fmt.Fprintf(stdout, "open %s/ in a browser\nWHEP: %s/whep (media.Open: whep://%s/whep)\n", base, base, ln.Addr())
	if f, ok := stdout.(*os.File); ok {
		_ = f.Sync()
	}

	g := stream.New()
	v := stream.AddTransform(g, "video-encoder",
		stream.AddSource(g, "pattern", &stage.Pattern{Width: w, Height: h, FPS: fps, Frames: *frames, Live: true}), venc)
	tone := &stage.Sine{Samples: 960, Live: true}
	if *frames > 0 {
		tone.Frames = int(math.Round(float64(*frames) / fps.Float() * 48000 / 960))
	}
	a := stream.AddTransform(g, "audio-encoder", stream.AddSource(g, "sine", tone), aenc)
	media.AddOutput(g, "endpoint", ep, v, a)

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	release := stream.StopOnSignal(g, cancel, cli.ReportSignal("whep"))
	defer release()
	start := time.Now()
	err = g.Run(ctx)
	fmt.Fprintf(stderr, "whep: served %s in %v\n", cli.Written(v, a), time.Since(start).Round(time.Millisecond))
	if err != nil && ctx.Err() != nil {
		return nil // cancelled by a second Ctrl-C
	}
	return err
}
