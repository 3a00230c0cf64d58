// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Each constructor validates its description, then offers the job to the
// backends: those named in prefer first, in that order, then hardware,
// then software. The first that accepts builds the stage.

// NewVideoEncoder returns a video encoder described by e.
func NewVideoEncoder(e VideoEncoding, prefer ...string) (stage.Transform[frame.Video, frame.Video], error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return pick("video encoder "+e.Codec.String(), prefer,
		func(b Backend) bool { return b.VideoEncoder != nil },
		func(b Backend) (stage.Transform[frame.Video, frame.Video], error) { return b.VideoEncoder(e) })
}

// NewAudioEncoder returns an audio encoder described by e.
func NewAudioEncoder(e AudioEncoding, prefer ...string) (stage.Transform[frame.Audio, frame.Audio], error) {
	if err := e.Validate(); err != nil {
		return nil, err
	}
	return pick("audio encoder "+e.Codec.String(), prefer,
		func(b Backend) bool { return b.AudioEncoder != nil },
		func(b Backend) (stage.Transform[frame.Audio, frame.Audio], error) { return b.AudioEncoder(e) })
}

// NewVideoDecoder returns a video decoder; the codec comes from the frames.
func NewVideoDecoder(d Decoding, prefer ...string) (stage.Transform[frame.Video, frame.Video], error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return pick("video decoder", prefer,
		func(b Backend) bool { return b.VideoDecoder != nil },
		func(b Backend) (stage.Transform[frame.Video, frame.Video], error) { return b.VideoDecoder(d) })
}

// NewAudioDecoder returns an audio decoder; the codec comes from the frames.
func NewAudioDecoder(d Decoding, prefer ...string) (stage.Transform[frame.Audio, frame.Audio], error) {
	if err := d.Validate(); err != nil {
		return nil, err
	}
	return pick("audio decoder", prefer,
		func(b Backend) bool { return b.AudioDecoder != nil },
		func(b Backend) (stage.Transform[frame.Audio, frame.Audio], error) { return b.AudioDecoder(d) })
}

// NewScaler returns a video scaler and pixel-format converter.
func NewScaler(s Scaling, prefer ...string) (stage.Transform[frame.Video, frame.Video], error) {
	if err := s.Validate(); err != nil {
		return nil, err
	}
	return pick("scaler", prefer,
		func(b Backend) bool { return b.Scaler != nil },
		func(b Backend) (stage.Transform[frame.Video, frame.Video], error) { return b.Scaler(s) })
}

// NewResampler returns an audio resampler and sample-format converter.
func NewResampler(r Resampling, prefer ...string) (stage.Transform[frame.Audio, frame.Audio], error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	return pick("resampler", prefer,
		func(b Backend) bool { return b.Resampler != nil },
		func(b Backend) (stage.Transform[frame.Audio, frame.Audio], error) { return b.Resampler(r) })
}

// Open opens in: the backend probes it now, so a missing file or an input
// without the wanted streams fails here, not inside Run; a network input
// that sends nothing within its timeout (Input.StallTimeout) fails with an
// error wrapping ErrTimeout. An input with a stall timeout or Reconnect is
// run by this package around the backend's Demuxer: a stall ends Run (or
// reconnects), and a reconnect runs the backend's Demuxer again, with the
// timestamps shifted to go on (see Stats for its counters).
func Open(in Input, prefer ...string) (Demuxer, error) {
	if err := in.Validate(); err != nil {
		return nil, err
	}
	d, err := pick("open "+in.URL, prefer,
		func(b Backend) bool { return b.Open != nil },
		func(b Backend) (Demuxer, error) { return b.Open(in) })
	if err != nil {
		return nil, err
	}
	return live(in, d), nil
}

// Create returns a muxer writing to out, whose container is checked now.
// With Output.Reconnect, this package runs the backend's Muxer again after
// it fails (a server that went away), starting each new session at a
// video key frame; see Stats for its counters.
func Create(out Output, prefer ...string) (Muxer, error) {
	if err := out.Validate(); err != nil {
		return nil, err
	}
	m, err := pick("write "+out.URL, prefer,
		func(b Backend) bool { return b.Write != nil },
		func(b Backend) (Muxer, error) { return b.Write(out) })
	if err != nil {
		return nil, err
	}
	return liveOut(out, m), nil
}
