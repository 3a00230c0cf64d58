// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"fmt"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// The vaapi backend of package media: hardware encode, decode and scale.
// It is tried before the software backends; on a machine without a VA-API
// device, or for a job the device cannot do, it refuses with the reason
// (no render node, no such profile, no va element), and the job goes to
// software. The software fallback is the registry's order, not a second
// table here.
func init() {
	media.Register(media.Backend{
		Name: "vaapi", Hardware: true,
		VideoEncoder: mediaEncoder, VideoDecoder: mediaDecoder, Scaler: mediaScaler,
	})
}

// refusal makes any failure to build a refusal, so selection moves on to
// software: the neutral description was validated already, so what is
// left (no device, a profile or format the device lacks) is this
// backend's limit, not the caller's mistake.
func refusal(err error) error { return media.Unsupported("%w", err) }

func mediaEncoder(e media.VideoEncoding) (stage.Transform[frame.Video, frame.Video], error) {
	cfg := EncoderConfig{Codec: e.Codec, KeyframeInterval: e.KeyframeInterval}
	switch e.Rate {
	case media.RateDefault:
	case media.CBR, media.VBR:
		cfg.RateControl, cfg.Bitrate = e.Rate.String(), int(e.Bitrate)
	case media.CQP:
		cfg.RateControl, cfg.QP = "cqp", e.Quality
	default:
		return nil, media.Unsupported("vaapi: rate control %v (the va encoders do CBR, VBR and CQP)", e.Rate)
	}
	if e.LowLatency {
		cfg.Properties = "b-frames=0"
	}
	s, err := NewEncoder(cfg)
	if err != nil {
		return nil, refusal(err)
	}
	return s, nil
}

func mediaDecoder(d media.Decoding) (stage.Transform[frame.Video, frame.Video], error) {
	if d.Codec == 0 {
		return nil, media.Unsupported("vaapi: a hardware decoder is picked per codec: set Decoding.Codec")
	}
	s, err := NewDecoder(DecoderConfig{Codec: d.Codec})
	if err != nil {
		return nil, refusal(err)
	}
	return s, nil
}

func mediaScaler(sc media.Scaling) (stage.Transform[frame.Video, frame.Video], error) {
	s, err := NewScaler(ScalerConfig{Width: sc.Width, Height: sc.Height, Format: sc.Format})
	if err != nil {
		return nil, refusal(fmt.Errorf("vaapi: scaler: %w", err))
	}
	return s, nil
}
