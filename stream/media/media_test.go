// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media_test

import (
	"errors"
	"strings"
	"testing"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Two backends registered for the selection tests: "hw" refuses what is
// not H264, "sw" does all. They build pass-through stages: selection is
// what is under test here, the real backends' stages are tested in their
// packages and in the conformance suite.
var built []string

func init() {
	pass := func(name string) func(media.VideoEncoding) (stage.Transform[frame.Video, frame.Video], error) {
		return func(e media.VideoEncoding) (stage.Transform[frame.Video, frame.Video], error) {
			if name == "test-hw" && e.Codec != frame.H264 {
				return nil, media.Unsupported("no %v encoder on this device", e.Codec)
			}
			if e.Profile == "broken" {
				return nil, errors.New("the encoder crashed")
			}
			built = append(built, name)
			return stage.Pass[frame.Video](), nil
		}
	}
	media.Register(media.Backend{Name: "test-sw", VideoEncoder: pass("test-sw")})
	media.Register(media.Backend{Name: "test-hw", Hardware: true, VideoEncoder: pass("test-hw")})
}

func TestSelectionPrefersHardwareThenSoftwareOrTheCaller(t *testing.T) {
	built = nil
	for _, c := range []struct {
		codec  frame.Format
		prefer []string
		want   string
	}{
		{frame.H264, nil, "test-hw"},
		{frame.VP9, nil, "test-sw"},
		{frame.H264, []string{"test-sw"}, "test-sw"},
		{frame.H264, []string{"nosuch", "test-hw"}, "test-hw"},
	} {
		built = nil
		if _, err := media.NewVideoEncoder(media.VideoEncoding{Codec: c.codec}, c.prefer...); err != nil {
			t.Fatal(err)
		}
		if len(built) != 1 || built[0] != c.want {
			t.Errorf("%v prefer %v: built by %v, want %s", c.codec, c.prefer, built, c.want)
		}
	}
	if b, ok := media.Lookup("test-hw"); !ok || !b.Hardware {
		t.Errorf("Lookup(test-hw) = %+v, %v", b, ok)
	}
	if _, ok := media.Lookup("nosuch"); ok {
		t.Error("Lookup found a backend never registered")
	}
	if got := strings.Join(media.Backends(), ","); got != "test-hw,test-live,test-sw" { // test-live: live_test.go
		t.Errorf("Backends() = %s, want hardware first", got)
	}
}

func TestSelectionErrorListsEveryCandidate(t *testing.T) {
	_, err := media.NewAudioEncoder(media.AudioEncoding{Codec: frame.AAC})
	var se *media.SelectError
	if !errors.As(err, &se) || !errors.Is(err, media.ErrUnsupported) {
		t.Fatalf("no backend has audio encoders: %v", err)
	}
	// A real failure is not a refusal: it is returned, naming the backend.
	_, err = media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Profile: "broken"})
	if err == nil || errors.Is(err, media.ErrUnsupported) || !strings.Contains(err.Error(), "test-hw: the encoder crashed") {
		t.Errorf("failure: %v", err)
	}
}

func TestValidationHappensAtBuild(t *testing.T) {
	for _, c := range []struct {
		err  error
		want string
	}{
		{media.VideoEncoding{Codec: frame.AAC}.Validate(), "Codec AAC"},
		{media.VideoEncoding{Codec: frame.H264, Rate: media.CRF, Quality: 60}.Validate(), "Quality 60: want 0 to 51"},
		{media.VideoEncoding{Codec: frame.VP9, Rate: media.CBR}.Validate(), "cbr needs Bitrate"},
		{media.VideoEncoding{Codec: frame.VP9, Bitrate: 1e6}.Validate(), "Bitrate set with rate control default"},
		{media.AudioEncoding{Codec: frame.H264}.Validate(), "Codec H264"},
		{media.Scaling{Width: 640}.Validate(), "640x0"},
		{media.Resampling{}.Validate(), "nothing to do"},
		{media.Input{}.Validate(), "URL is empty"},
		{media.Output{URL: "out.webm", Video: frame.H264}.Validate(), "webm cannot hold H264 video"},
		{media.Output{URL: "out.xyz", Video: frame.H264}.Validate(), `no container for extension ".xyz"`},
		{media.Output{URL: "out", Container: "avi"}.Validate(), `container "avi" is unknown`},
	} {
		if c.err == nil || !errors.Is(c.err, media.ErrInvalid) || !strings.Contains(c.err.Error(), c.want) {
			t.Errorf("got %v, want an ErrInvalid saying %q", c.err, c.want)
		}
	}
	if _, err := media.NewVideoEncoder(media.VideoEncoding{Codec: frame.H264, Rate: media.CRF, Quality: 99}); !errors.Is(err, media.ErrInvalid) {
		t.Errorf("NewVideoEncoder did not validate: %v", err)
	}
	for _, ok := range []error{
		media.VideoEncoding{Codec: frame.H264, Rate: media.VBR, Bitrate: 2e6, MaxBitrate: 4e6, Preset: media.PresetFast}.Validate(),
		media.Output{URL: "a.MKV", Video: frame.VP9, Audio: frame.Opus}.Validate(),
		media.Output{URL: "rtmp://host/app", Container: "flv", Video: frame.H264, Audio: frame.AAC}.Validate(),
	} {
		if ok != nil {
			t.Errorf("valid description refused: %v", ok)
		}
	}
}

func TestPresetNames(t *testing.T) {
	for p := media.PresetDefault; p <= media.PresetBest; p++ {
		if q, err := media.ParsePreset(p.String()); err != nil || q != p {
			t.Errorf("%v: %v %v", p, q, err)
		}
	}
	if _, err := media.ParsePreset("veryfast"); err == nil {
		t.Error("a backend's own word was taken as a preset")
	}
}
