// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"slices"
	"testing"

	"github.com/spinorml/streamer/frame"
)

func TestProfileFormatBothWays(t *testing.T) {
	for _, tc := range []struct {
		p       Profile
		name    string
		f       frame.Format
		profile string
	}{
		{ProfileH264ConstrainedBaseline, "H264ConstrainedBaseline", frame.H264, "constrained-baseline"},
		{ProfileH264Main, "H264Main", frame.H264, "main"},
		{ProfileH264High, "H264High", frame.H264, "high"},
		{ProfileHEVCMain, "HEVCMain", frame.H265, "main"},
		{ProfileHEVCMain10, "HEVCMain10", frame.H265, "main-10"},
		{ProfileHEVCMain444_10, "HEVCMain444_10", frame.H265, "main-444-10"},
		{ProfileVP8Version0_3, "VP8Version0_3", frame.VP8, ""},
		{ProfileVP9Profile0, "VP9Profile0", frame.VP9, "0"},
		{ProfileVP9Profile2, "VP9Profile2", frame.VP9, "2"},
		{ProfileAV1Profile0, "AV1Profile0", frame.AV1, "main"},
		{ProfileAV1Profile1, "AV1Profile1", frame.AV1, "high"},
		{ProfileJPEGBaseline, "JPEGBaseline", frame.MJPEG, "baseline"},
	} {
		if got := tc.p.String(); got != tc.name {
			t.Errorf("Profile(%d).String() = %q, want %q", tc.p, got, tc.name)
		}
		f, profile := tc.p.Format()
		if f != tc.f || profile != tc.profile {
			t.Errorf("%v.Format() = %v %q, want %v %q", tc.p, f, profile, tc.f, tc.profile)
		}
		if tc.profile == "" {
			continue // VP8 has one profile: found by the default below
		}
		if p, ok := ProfileOf(tc.f, tc.profile); !ok || p != tc.p {
			t.Errorf("ProfileOf(%v, %q) = %v, %v; want %v", tc.f, tc.profile, p, ok, tc.p)
		}
	}
	// Every profile with a format maps back to itself.
	for p, info := range profiles {
		if info.format == frame.FormatUnknown || info.profile == "" {
			continue
		}
		if back, ok := ProfileOf(info.format, info.profile); !ok || back != p {
			t.Errorf("round trip of %v: ProfileOf(%v, %q) = %v, %v", p, info.format, info.profile, back, ok)
		}
	}
}

func TestProfileDefaultsAndUnknowns(t *testing.T) {
	for f, want := range map[frame.Format]Profile{
		frame.H264: ProfileH264High, frame.H265: ProfileHEVCMain, frame.VP8: ProfileVP8Version0_3,
		frame.VP9: ProfileVP9Profile0, frame.AV1: ProfileAV1Profile0, frame.MJPEG: ProfileJPEGBaseline,
	} {
		if p, ok := ProfileOf(f, ""); !ok || p != want {
			t.Errorf("ProfileOf(%v, \"\") = %v, %v; want %v", f, p, ok, want)
		}
	}
	if p, ok := ProfileOf(frame.H264, "baseline"); !ok || p != ProfileH264ConstrainedBaseline {
		t.Errorf("baseline H264 maps to %v, %v; want constrained baseline", p, ok)
	}
	for _, tc := range []struct {
		f frame.Format
		p string
	}{{frame.H264, "main-10"}, {frame.Opus, ""}, {frame.I420, ""}, {frame.FormatUnknown, "main"}, {frame.VP9, "4"}} {
		if p, ok := ProfileOf(tc.f, tc.p); ok {
			t.Errorf("ProfileOf(%v, %q) = %v, want none", tc.f, tc.p, p)
		}
	}
	if f, _ := ProfileMPEG2Main.Format(); f != frame.FormatUnknown {
		t.Errorf("MPEG-2 maps to %v, want no streamer format", f)
	}
	if got := Profile(99).String(); got != "Profile(99)" {
		t.Errorf("unknown profile: %q", got)
	}
	if f, p := Profile(99).Format(); f != frame.FormatUnknown || p != "" {
		t.Errorf("unknown profile maps to %v %q", f, p)
	}
	if got := ProfilesOf(frame.VP9); !slices.Equal(got, []Profile{ProfileVP9Profile0, ProfileVP9Profile1, ProfileVP9Profile2, ProfileVP9Profile3}) {
		t.Errorf("ProfilesOf(VP9) = %v", got)
	}
	if got := ProfilesOf(frame.H264); !slices.Equal(got, []Profile{ProfileH264Main, ProfileH264High, ProfileH264ConstrainedBaseline, ProfileH264MultiviewHigh, ProfileH264StereoHigh}) {
		t.Errorf("ProfilesOf(H264) = %v", got)
	}
	if got := ProfilesOf(frame.FormatUnknown); got != nil {
		t.Errorf("ProfilesOf(unknown) = %v, want none", got)
	}
}

func TestEntrypointOpBothWays(t *testing.T) {
	for _, tc := range []struct {
		e    Entrypoint
		name string
		op   Op
	}{
		{EntrypointVLD, "VLD", OpDecode},
		{EntrypointEncSlice, "EncSlice", OpEncode},
		{EntrypointEncPicture, "EncPicture", OpEncode},
		{EntrypointEncSliceLP, "EncSliceLP", OpEncodeLowPower},
		{EntrypointVideoProc, "VideoProc", OpProcess},
		{Entrypoint(11), "Entrypoint(11)", OpNone}, // FEI
	} {
		if tc.e.String() != tc.name || tc.e.Op() != tc.op {
			t.Errorf("%d: %q %v, want %q %v", tc.e, tc.e.String(), tc.e.Op(), tc.name, tc.op)
		}
	}
	for _, tc := range []struct {
		f    frame.Format
		op   Op
		want []Entrypoint
	}{
		{frame.H264, OpDecode, []Entrypoint{EntrypointVLD}},
		{frame.H264, OpEncode, []Entrypoint{EntrypointEncSlice}},
		{frame.MJPEG, OpEncode, []Entrypoint{EntrypointEncPicture}},
		{frame.H265, OpEncodeLowPower, []Entrypoint{EntrypointEncSliceLP}},
		{frame.FormatUnknown, OpProcess, []Entrypoint{EntrypointVideoProc}},
		{frame.H264, OpNone, nil},
	} {
		got := Entrypoints(tc.f, tc.op)
		if !slices.Equal(got, tc.want) {
			t.Errorf("Entrypoints(%v, %v) = %v, want %v", tc.f, tc.op, got, tc.want)
		}
		for _, e := range got {
			if e.Op() != tc.op {
				t.Errorf("%v.Op() = %v, want %v", e, e.Op(), tc.op)
			}
		}
	}
	if got := Op(9).String(); got != "Op(9)" {
		t.Errorf("Op(9) = %q", got)
	}
}

// testCaps is the table of a typical Intel Gen12 device, abridged.
var testCaps = Capabilities{
	{ProfileNone, EntrypointVideoProc},
	{ProfileMPEG2Main, EntrypointVLD},
	{ProfileH264Main, EntrypointVLD}, {ProfileH264Main, EntrypointEncSlice}, {ProfileH264Main, EntrypointEncSliceLP},
	{ProfileH264High, EntrypointVLD}, {ProfileH264High, EntrypointEncSlice},
	{ProfileJPEGBaseline, EntrypointVLD}, {ProfileJPEGBaseline, EntrypointEncPicture},
	{ProfileHEVCMain10, EntrypointVLD},
	{ProfileVP9Profile0, EntrypointVLD},
	{ProfileAV1Profile0, EntrypointVLD},
}

func TestCapabilitiesTable(t *testing.T) {
	for _, tc := range []struct {
		f    frame.Format
		op   Op
		want bool
	}{
		{frame.H264, OpDecode, true}, {frame.H264, OpEncode, true}, {frame.H264, OpEncodeLowPower, true},
		{frame.H265, OpDecode, true}, {frame.H265, OpEncode, false}, {frame.H265, OpEncodeLowPower, false},
		{frame.VP8, OpDecode, false}, {frame.AV1, OpDecode, true}, {frame.MJPEG, OpEncode, true},
		{frame.FormatUnknown, OpProcess, true}, {frame.FormatUnknown, OpDecode, false},
	} {
		if got := testCaps.Can(tc.f, tc.op); got != tc.want {
			t.Errorf("Can(%v, %v) = %v, want %v", tc.f, tc.op, got, tc.want)
		}
	}
	if (Capabilities{}).Can(frame.FormatUnknown, OpProcess) {
		t.Error("an empty table can process")
	}
	if !testCaps.CanProfile(ProfileH264Main, OpEncodeLowPower) || testCaps.CanProfile(ProfileH264High, OpEncodeLowPower) {
		t.Error("CanProfile: low-power encode is H264Main only")
	}
	if got := testCaps.Formats(OpDecode); !slices.Equal(got, []frame.Format{frame.H264, frame.H265, frame.VP9, frame.AV1, frame.MJPEG}) {
		t.Errorf("Formats(decode) = %v", got)
	}
	if got := testCaps.Formats(OpEncode); !slices.Equal(got, []frame.Format{frame.H264, frame.MJPEG}) {
		t.Errorf("Formats(encode) = %v", got)
	}
	const want = `PROFILE       FORMAT  PROFILE-NAME  DECODE  ENCODE  ENCODE-LP
MPEG2Main     -       main          yes     -       -
H264Main      H264    main          yes     yes     yes
H264High      H264    high          yes     yes     -
JPEGBaseline  MJPEG   baseline      yes     yes     -
HEVCMain10    H265    main-10       yes     -       -
VP9Profile0   VP9     0             yes     -       -
AV1Profile0   AV1     main          yes     -       -
video processing (VideoProc): yes
`
	if got := testCaps.String(); got != want {
		t.Errorf("String() =\n%s\nwant\n%s", got, want)
	}
	const empty = "PROFILE  FORMAT  PROFILE-NAME  DECODE  ENCODE  ENCODE-LP\nvideo processing (VideoProc): no\n"
	if got := (Capabilities{}).String(); got != empty {
		t.Errorf("empty table:\n%q\nwant\n%q", got, empty)
	}
}
