// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"strings"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// The GStreamer backend of package media, registered as "gst": every job,
// built from this package's stages. Encoders are GStreamer's elements,
// tried in encoderElements' order (hardware first): the first installed
// one that can do the whole description builds the stage, and when none
// can, the refusal lists each element's reason. Open and Write are in
// media_demux.go and media_mux.go.
func init() {
	media.Register(media.Backend{
		Name:         "gst",
		VideoEncoder: mediaVideoEncoder,
		AudioEncoder: mediaAudioEncoder,
		VideoDecoder: func(d media.Decoding) (stage.Transform[frame.Video, frame.Video], error) {
			return mediaDecoder[frame.Video](d, true)
		},
		AudioDecoder: func(d media.Decoding) (stage.Transform[frame.Audio, frame.Audio], error) {
			return mediaDecoder[frame.Audio](d, false)
		},
		Scaler:    mediaScaler,
		Resampler: mediaResampler,
		Open:      mediaOpen,
		Write:     mediaWrite,
	})
}

// presetWords maps the neutral presets onto x264's words, which
// encoderProperties maps onto each element's own knob.
var presetWords = map[media.Preset]string{ //nolint:gochecknoglobals // a table: neutral presets in encoder words
	media.PresetFastest: "ultrafast", media.PresetFast: "veryfast", media.PresetBalanced: "medium",
	media.PresetSlow: "slow", media.PresetBest: "veryslow",
}

// profileWords maps FFmpeg's spellings of profiles onto GStreamer's caps
// words; other names are taken as GStreamer's.
var profileWords = map[string]string{ //nolint:gochecknoglobals // a table: neutral profile names in encoder words
	"high10": "high-10", "high422": "high-4:2:2", "high444": "high-4:4:4", "high444p": "high-4:4:4",
	"main10": "main-10", "main12": "main-12", "constrained_baseline": "constrained-baseline",
}

func mediaVideoEncoder(e media.VideoEncoding) (stage.Transform[frame.Video, frame.Video], error) {
	cfg := EncoderConfig{
		Codec: e.Codec, Bitrate: int(e.Bitrate), MaxBitrate: int(e.MaxBitrate), Quality: e.Quality,
		KeyframeInterval: e.KeyframeInterval, Preset: presetWords[e.Preset], LowLatency: e.LowLatency,
		Threads: e.Threads, Profile: strings.ToLower(e.Profile),
	}
	if w, ok := profileWords[cfg.Profile]; ok {
		cfg.Profile = w
	}
	if e.Rate != media.RateDefault {
		cfg.RateControl = e.Rate.String()
	}
	return firstAccepting("video encoder for "+e.Codec.String(), encoderElements[e.Codec],
		func(el string) (stage.Transform[frame.Video, frame.Video], error) {
			cfg.Element = el
			return NewVideoEncoder(cfg)
		})
}

func mediaAudioEncoder(e media.AudioEncoding) (stage.Transform[frame.Audio, frame.Audio], error) {
	caps := rawAudioCaps(e.Rate, e.Channels)
	return firstAccepting("audio encoder for "+e.Codec.String(), encoderElements[e.Codec],
		func(el string) (stage.Transform[frame.Audio, frame.Audio], error) {
			convert := "audioconvert ! audioresample"
			if caps != "audio/x-raw" {
				if !templateAccepts(el, true, caps) {
					in, _ := templateField(el, true, "rate")
					chans, _ := templateField(el, true, "channels")
					return nil, &Refusal{Element: el, Reason: fmt.Sprintf("takes rates %s and channels %s, not %s", in, chans, caps)}
				}
				convert += " ! " + caps
			}
			desc, name, err := encoderDescription(convert, EncoderConfig{Codec: e.Codec, Element: el, Bitrate: int(e.Bitrate)})
			if err != nil {
				return nil, err
			}
			return &Transform[frame.Audio, frame.Audio]{Description: desc, name: "gst-encoder(" + name + ")"}, nil
		})
}

// firstAccepting builds with each installed candidate element in turn
// and returns the first stage that no *Refusal stops. When every
// installed one refuses, the refusal (media.ErrUnsupported) gives each
// one's reason; when none is installed, it names those tried. Any other
// error is returned at once.
func firstAccepting[T any](what string, candidates []string, build func(element string) (T, error)) (T, error) {
	var zero T
	var reasons []string
	for _, el := range candidates {
		if !HasElement(el) {
			continue
		}
		v, err := build(el)
		if err == nil {
			return v, nil
		}
		var r *Refusal
		if !errors.As(err, &r) {
			return zero, err
		}
		reasons = append(reasons, r.Element+": "+r.Reason)
	}
	if len(reasons) == 0 {
		if len(candidates) == 0 {
			return zero, media.Unsupported("gst: no %s in streamer's element table", what)
		}
		return zero, media.Unsupported("gst: no %s installed (tried %s)", what, strings.Join(candidates, ", "))
	}
	return zero, media.Unsupported("gst: %s: %s", what, strings.Join(reasons, "; "))
}

// mediaDecoder returns a decoder: this package's decoder for Codec when
// the description names it, else a decodebin that plugs one for the
// frames' caps. Fail sets max-errors=0 on the decoder (GStreamer's
// default conceals damage and goes on); Threads sets its thread count
// (max-threads, threads or n-threads, whichever it has).
func mediaDecoder[T frame.Frame](d media.Decoding, video bool) (stage.Transform[T, T], error) {
	t := &Transform[T, T]{Description: "decodebin ! audioconvert", name: "gst-decoder(decodebin)"}
	if video {
		t.Description = "decodebin ! videoconvert"
	}
	if d.Codec != frame.FormatUnknown {
		if d.Codec.IsVideo() != video {
			return nil, fmt.Errorf("gst: decoder: %v frames do not go into this decoder", d.Codec)
		}
		desc, el, err := decoderDescription(DecoderConfig{Codec: d.Codec, FailOnError: d.OnError == media.Fail}, video)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", media.ErrUnsupported, err)
		}
		t.Description, t.name = desc, "gst-decoder("+el+")"
	}
	if fail, threads := d.OnError == media.Fail, d.Threads; fail || threads > 0 {
		t.setup = func(p *pipeline) { C.streamer_decoder_settings(p.el, C.gboolean(boolInt(fail)), C.int(threads)) }
	}
	return t, nil
}

// mediaScaler scales and converts in one pass (videoconvertscale, or
// videoconvert ! videoscale before GStreamer 1.22). The output keeps the
// input's display aspect through its pixel aspect ratio, as GStreamer's
// scalers do: no borders are added.
func mediaScaler(s media.Scaling) (stage.Transform[frame.Video, frame.Video], error) {
	caps := "video/x-raw"
	if s.Format != frame.FormatUnknown {
		name, ok := rawVideo[s.Format]
		if !ok {
			return nil, media.Unsupported("gst: scaler: no GStreamer format for %v", s.Format)
		}
		caps += ",format=" + name
	}
	if s.Width > 0 {
		caps += fmt.Sprintf(",width=%d,height=%d", s.Width, s.Height)
	}
	convert := "videoconvert ! videoscale"
	if HasElement("videoconvertscale") {
		convert = "videoconvertscale"
	}
	return &Transform[frame.Video, frame.Video]{Description: convert + " ! " + caps, name: "gst-scaler"}, nil
}

// mediaResampler converts through audioconvert and audioresample.
// Samples re-frames through audiobuffersplit, which splits by duration and
// takes interleaved audio only: it needs Rate, and without Format planar
// input comes out interleaved. The last frame may be shorter.
func mediaResampler(r media.Resampling) (stage.Transform[frame.Audio, frame.Audio], error) {
	caps := rawAudioCaps(r.Rate, r.Channels)
	final := caps
	if r.Format != frame.FormatUnknown {
		name, ok := rawAudio[r.Format]
		if !ok {
			return nil, media.Unsupported("gst: resampler: no GStreamer format for %v", r.Format)
		}
		caps += ",format=" + name + ",layout=interleaved"
		final = caps
		if r.Format.IsPlanarAudio() {
			final = strings.Replace(caps, "layout=interleaved", "layout=non-interleaved", 1)
		}
	}
	desc := "audioconvert ! audioresample ! " + final
	if r.Samples > 0 {
		switch {
		case r.Rate == 0:
			return nil, media.Unsupported("gst: resampler: framing by Samples needs Rate (audiobuffersplit splits by duration)")
		case !HasElement("audiobuffersplit"):
			return nil, media.Unsupported("gst: resampler: framing by Samples needs audiobuffersplit (install gstreamer1.0-plugins-bad)")
		}
		desc = fmt.Sprintf("audioconvert ! audioresample ! %s ! audiobuffersplit output-buffer-duration=%d/%d", caps, r.Samples, r.Rate)
		if final != caps {
			desc += " ! audioconvert ! " + final
		}
	}
	return &Transform[frame.Audio, frame.Audio]{Description: desc, name: "gst-resampler"}, nil
}

// rawAudioCaps is raw audio caps with rate and channels, each left out
// when 0.
func rawAudioCaps(rate, channels int) string {
	caps := "audio/x-raw"
	if rate > 0 {
		caps += fmt.Sprintf(",rate=%d", rate)
	}
	if channels > 0 {
		caps += fmt.Sprintf(",channels=%d", channels)
	}
	return caps
}
