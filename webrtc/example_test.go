// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc_test

import (
	"context"
	"log"
	"net/http"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
	"github.com/spinorml/streamer/webrtc"

	_ "github.com/spinorml/streamer/ffmpeg"
)

// A graph serves a live pattern and tone to browsers: GET /whep is a
// player page, POST /whep a WHEP offer.
func ExampleEndpoint() {
	ep, err := webrtc.NewEndpoint(webrtc.EndpointOptions{Video: frame.H264, Audio: frame.Opus})
	if err != nil {
		log.Fatal(err)
	}
	http.Handle("/whep", ep)  // the page, and POST of offers
	http.Handle("/whep/", ep) // DELETE of sessions
	go http.ListenAndServe("127.0.0.1:8089", nil)

	venc, _ := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, LowLatency: true, KeyframeInterval: 30,
		Preset: media.PresetFastest, Rate: media.CBR, Bitrate: 2_000_000})
	aenc, _ := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.Opus, Bitrate: 64000})
	g := stream.New()
	v := stream.AddTransform(g, "h264", stream.AddSource(g, "pattern", &stage.Pattern{Width: 1280, Height: 720, Live: true}), venc)
	a := stream.AddTransform(g, "opus", stream.AddSource(g, "tone", &stage.Sine{Samples: 960, Live: true}), aenc)
	media.AddOutput(g, "whep", ep, v, a)
	log.Fatal(g.Run(context.Background()))
}

// A WHEP pull recorded to a file, through package media: the URL's scheme
// picks the webrtc backend.
func ExampleDial() {
	in, err := media.Open(media.Input{URL: "whep://127.0.0.1:8089/whep"})
	if err != nil {
		log.Fatal(err) // a refused offer wraps webrtc.ErrRefused and names the URL and HTTP status
	}
	s := in.Streams()
	out, err := media.Create(media.Output{URL: "pulled.mkv", Video: s.Video, Audio: s.Audio})
	if err != nil {
		log.Fatal(err)
	}
	g := stream.New()
	v, a := media.AddInput(g, "whep", in)
	media.AddOutput(g, "file", out, v, a)
	log.Fatal(g.Run(context.Background())) // nil when the server ends the stream
}
