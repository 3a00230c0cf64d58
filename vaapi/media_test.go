// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"errors"
	"strings"
	"testing"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream/media"
)

// Without a device every vaapi job is a refusal naming what is missing,
// and the neutral constructors go on to software.
func TestMediaBackendRefusesWithoutADevice(t *testing.T) {
	setVar(t, &deviceDir, t.TempDir())
	jobs := map[string]func() error{
		"encoder": func() error { _, err := mediaEncoder(media.VideoEncoding{Codec: frame.H264}); return err },
		"decoder": func() error { _, err := mediaDecoder(media.Decoding{Codec: frame.H264}); return err },
		"scaler":  func() error { _, err := mediaScaler(media.Scaling{Width: 64, Height: 48}); return err },
	}
	for name, job := range jobs {
		err := job()
		if !errors.Is(err, media.ErrUnsupported) || !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "no VA-API device") {
			t.Errorf("%s: %v, want a refusal wrapping ErrNoDevice", name, err)
		}
	}
	if _, err := mediaDecoder(media.Decoding{}); !errors.Is(err, media.ErrUnsupported) || !strings.Contains(err.Error(), "Decoding.Codec") {
		t.Errorf("decoder without a codec: %v", err)
	}
	// The selection tries vaapi first (hardware), then the gst software
	// encoder this package imports.
	if got := media.Backends(); len(got) == 0 || got[0] != "vaapi" {
		t.Errorf("backends %v: vaapi, a hardware backend, should come first", got)
	}
	enc, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264})
	if err != nil {
		t.Fatalf("no software fallback: %v", err)
	}
	if s, ok := enc.(*Stage); ok {
		t.Errorf("a VA stage (%s) without a device", s.Name())
	}
}
