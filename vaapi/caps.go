// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

import (
	"fmt"
	"slices"
	"strings"
	"text/tabwriter"

	"github.com/spinorml/streamer/frame"
)

// Profile is a VA-API profile (VAProfile in va.h): a codec and one of its
// profiles, such as VAProfileH264High. Its values are libva's, so a Profile
// read from a driver needs no translation; va.go makes the build fail if
// they ever drift from the installed va.h.
type Profile int32

// The profiles streamer maps to a format, with libva's values.
const (
	ProfileNone                    Profile = -1 // used with EntrypointVideoProc
	ProfileMPEG2Simple             Profile = 0
	ProfileMPEG2Main               Profile = 1
	ProfileH264Main                Profile = 6
	ProfileH264High                Profile = 7
	ProfileJPEGBaseline            Profile = 12
	ProfileH264ConstrainedBaseline Profile = 13
	ProfileVP8Version0_3           Profile = 14
	ProfileH264MultiviewHigh       Profile = 15
	ProfileH264StereoHigh          Profile = 16
	ProfileHEVCMain                Profile = 17
	ProfileHEVCMain10              Profile = 18
	ProfileVP9Profile0             Profile = 19
	ProfileVP9Profile1             Profile = 20
	ProfileVP9Profile2             Profile = 21
	ProfileVP9Profile3             Profile = 22
	ProfileHEVCMain12              Profile = 23
	ProfileHEVCMain422_10          Profile = 24
	ProfileHEVCMain422_12          Profile = 25
	ProfileHEVCMain444             Profile = 26
	ProfileHEVCMain444_10          Profile = 27
	ProfileHEVCMain444_12          Profile = 28
	ProfileHEVCSccMain             Profile = 29
	ProfileHEVCSccMain10           Profile = 30
	ProfileHEVCSccMain444          Profile = 31
	ProfileAV1Profile0             Profile = 32
	ProfileAV1Profile1             Profile = 33
	ProfileHEVCSccMain444_10       Profile = 34
)

// profileInfo is what a profile means to streamer: its libva name, the
// streamer format, and the profile name as GStreamer's caps spell it (the
// same strings frame.Codec.Profile carries).
type profileInfo struct {
	name    string
	format  frame.Format
	profile string
}

// profiles maps every profile streamer knows. MPEG-2 has no streamer
// format: it is listed so a capability table still names it.
var profiles = map[Profile]profileInfo{ //nolint:gochecknoglobals // a table: what each libva profile means to streamer
	ProfileNone:                    {"None", frame.FormatUnknown, ""},
	ProfileMPEG2Simple:             {"MPEG2Simple", frame.FormatUnknown, "simple"},
	ProfileMPEG2Main:               {"MPEG2Main", frame.FormatUnknown, "main"},
	ProfileH264ConstrainedBaseline: {"H264ConstrainedBaseline", frame.H264, "constrained-baseline"},
	ProfileH264Main:                {"H264Main", frame.H264, "main"},
	ProfileH264High:                {"H264High", frame.H264, "high"},
	ProfileH264MultiviewHigh:       {"H264MultiviewHigh", frame.H264, "multiview-high"},
	ProfileH264StereoHigh:          {"H264StereoHigh", frame.H264, "stereo-high"},
	ProfileHEVCMain:                {"HEVCMain", frame.H265, "main"},
	ProfileHEVCMain10:              {"HEVCMain10", frame.H265, "main-10"},
	ProfileHEVCMain12:              {"HEVCMain12", frame.H265, "main-12"},
	ProfileHEVCMain422_10:          {"HEVCMain422_10", frame.H265, "main-422-10"},
	ProfileHEVCMain422_12:          {"HEVCMain422_12", frame.H265, "main-422-12"},
	ProfileHEVCMain444:             {"HEVCMain444", frame.H265, "main-444"},
	ProfileHEVCMain444_10:          {"HEVCMain444_10", frame.H265, "main-444-10"},
	ProfileHEVCMain444_12:          {"HEVCMain444_12", frame.H265, "main-444-12"},
	ProfileHEVCSccMain:             {"HEVCSccMain", frame.H265, "screen-extended-main"},
	ProfileHEVCSccMain10:           {"HEVCSccMain10", frame.H265, "screen-extended-main-10"},
	ProfileHEVCSccMain444:          {"HEVCSccMain444", frame.H265, "screen-extended-main-444"},
	ProfileHEVCSccMain444_10:       {"HEVCSccMain444_10", frame.H265, "screen-extended-main-444-10"},
	ProfileVP8Version0_3:           {"VP8Version0_3", frame.VP8, ""},
	ProfileVP9Profile0:             {"VP9Profile0", frame.VP9, "0"},
	ProfileVP9Profile1:             {"VP9Profile1", frame.VP9, "1"},
	ProfileVP9Profile2:             {"VP9Profile2", frame.VP9, "2"},
	ProfileVP9Profile3:             {"VP9Profile3", frame.VP9, "3"},
	ProfileAV1Profile0:             {"AV1Profile0", frame.AV1, "main"},
	ProfileAV1Profile1:             {"AV1Profile1", frame.AV1, "high"},
	ProfileJPEGBaseline:            {"JPEGBaseline", frame.MJPEG, "baseline"},
}

// defaultProfiles are each codec's most common profile, which ProfileOf
// gives for an empty profile name.
var defaultProfiles = map[frame.Format]Profile{ //nolint:gochecknoglobals // a table: the default profile of each codec
	frame.H264: ProfileH264High, frame.H265: ProfileHEVCMain, frame.VP8: ProfileVP8Version0_3,
	frame.VP9: ProfileVP9Profile0, frame.AV1: ProfileAV1Profile0, frame.MJPEG: ProfileJPEGBaseline,
}

// String returns libva's name without its prefix ("H264High"), or
// "Profile(n)" for a profile streamer does not know.
func (p Profile) String() string {
	if i, ok := profiles[p]; ok {
		return i.name
	}
	return fmt.Sprintf("Profile(%d)", int32(p))
}

// Format returns the streamer format of p's codec and the profile's name as
// GStreamer caps and frame.Codec.Profile spell it ("high", "main-10").
// Profiles of codecs streamer has no format for (MPEG-2, VC-1) give
// frame.FormatUnknown.
func (p Profile) Format() (frame.Format, string) {
	i := profiles[p]
	return i.format, i.profile
}

// ProfileOf returns the VA profile for a streamer codec and a profile name
// (as frame.Codec.Profile has it). An empty name gives the codec's most
// common profile (H264 high, H265 main, VP9 0, AV1 main). It reports false
// when VA-API has no such profile.
func ProfileOf(f frame.Format, profile string) (Profile, bool) {
	if profile == "" {
		p, ok := defaultProfiles[f]
		return p, ok
	}
	if f == frame.H264 && profile == "baseline" {
		// VAProfileH264Baseline is deprecated; drivers decode baseline
		// streams without FMO/ASO as constrained baseline.
		return ProfileH264ConstrainedBaseline, true
	}
	for p, i := range profiles {
		if f != frame.FormatUnknown && i.format == f && i.profile == profile {
			return p, true
		}
	}
	return 0, false
}

// ProfilesOf returns every VA profile of codec f, sorted.
func ProfilesOf(f frame.Format) []Profile {
	var out []Profile
	for p, i := range profiles {
		if f != frame.FormatUnknown && i.format == f {
			out = append(out, p)
		}
	}
	slices.Sort(out)
	return out
}

// Entrypoint is a VA-API entrypoint (VAEntrypoint in va.h): what a profile
// can be used for on a device. Its values are libva's.
type Entrypoint int32

// The entrypoints streamer uses, with libva's values.
const (
	EntrypointVLD        Entrypoint = 1  // slice-level decode
	EntrypointEncSlice   Entrypoint = 6  // encode on the shaders and fixed function
	EntrypointEncPicture Entrypoint = 7  // picture-level encode (JPEG)
	EntrypointEncSliceLP Entrypoint = 8  // low-power encode (fixed function only)
	EntrypointVideoProc  Entrypoint = 10 // post-processing: scale, convert, deinterlace
)

var entrypointNames = map[Entrypoint]string{ //nolint:gochecknoglobals // a table: libva's entrypoint names
	EntrypointVLD: "VLD", EntrypointEncSlice: "EncSlice", EntrypointEncPicture: "EncPicture",
	EntrypointEncSliceLP: "EncSliceLP", EntrypointVideoProc: "VideoProc",
}

// String returns libva's name without its prefix ("EncSliceLP").
func (e Entrypoint) String() string {
	if s, ok := entrypointNames[e]; ok {
		return s
	}
	return fmt.Sprintf("Entrypoint(%d)", int32(e))
}

// Op is what streamer does with an entrypoint.
type Op uint8

// The operations, one per kind of entrypoint.
const (
	OpNone           Op = iota // an entrypoint streamer does not use
	OpDecode                   // VLD
	OpEncode                   // EncSlice (EncPicture for JPEG)
	OpEncodeLowPower           // EncSliceLP
	OpProcess                  // VideoProc: scale and convert (vapostproc)
)

var opNames = [...]string{"none", "decode", "encode", "encode-lp", "process"} //nolint:gochecknoglobals // a table: the name of each Op

func (o Op) String() string {
	if int(o) < len(opNames) {
		return opNames[o]
	}
	return fmt.Sprintf("Op(%d)", uint8(o))
}

// Op returns what streamer does with e.
func (e Entrypoint) Op() Op {
	switch e {
	case EntrypointVLD:
		return OpDecode
	case EntrypointEncSlice, EntrypointEncPicture:
		return OpEncode
	case EntrypointEncSliceLP:
		return OpEncodeLowPower
	case EntrypointVideoProc:
		return OpProcess
	}
	return OpNone
}

// Entrypoints returns the entrypoints that do op for codec f: the reverse
// of Entrypoint.Op. Encoding JPEG is picture-level (EncPicture); other
// codecs encode by slice.
func Entrypoints(f frame.Format, op Op) []Entrypoint {
	switch op {
	case OpDecode:
		return []Entrypoint{EntrypointVLD}
	case OpEncode:
		if f == frame.MJPEG {
			return []Entrypoint{EntrypointEncPicture}
		}
		return []Entrypoint{EntrypointEncSlice}
	case OpEncodeLowPower:
		return []Entrypoint{EntrypointEncSliceLP}
	case OpProcess:
		return []Entrypoint{EntrypointVideoProc}
	}
	return nil
}

// Capability is one profile/entrypoint pair a device supports.
type Capability struct {
	Profile    Profile
	Entrypoint Entrypoint
}

// Format returns the capability's streamer format and profile name; see
// Profile.Format.
func (c Capability) Format() (frame.Format, string) { return c.Profile.Format() }

// Op returns what the capability does; see Entrypoint.Op.
func (c Capability) Op() Op { return c.Entrypoint.Op() }

// Capabilities is a device's table of profile/entrypoint pairs, as libva
// reports them (vaQueryConfigProfiles, vaQueryConfigEntrypoints).
type Capabilities []Capability

// Can reports whether the device does op for codec f in any profile (for
// OpProcess f is ignored).
func (cs Capabilities) Can(f frame.Format, op Op) bool {
	for _, c := range cs {
		if c.Op() != op {
			continue
		}
		if op == OpProcess {
			return true
		}
		if cf, _ := c.Format(); cf == f && f != frame.FormatUnknown {
			return true
		}
	}
	return false
}

// CanProfile reports whether the device does op for profile p.
func (cs Capabilities) CanProfile(p Profile, op Op) bool {
	for _, c := range cs {
		if c.Profile == p && c.Op() == op {
			return true
		}
	}
	return false
}

// Formats returns the streamer formats the device can do op for, in
// frame.Format order.
func (cs Capabilities) Formats(op Op) []frame.Format {
	var out []frame.Format
	for _, c := range cs {
		if f, _ := c.Format(); f != frame.FormatUnknown && c.Op() == op && !slices.Contains(out, f) {
			out = append(out, f)
		}
	}
	slices.Sort(out)
	return out
}

// String renders the table one profile a row, with a column per operation,
// the way vainfo lists it but grouped:
//
//	PROFILE      FORMAT  PROFILE-NAME  DECODE  ENCODE  ENCODE-LP
//	H264Main     H264    main          yes     yes     yes
//	HEVCMain10   H265    main-10       yes     -       -
//	video processing (VideoProc): yes
func (cs Capabilities) String() string {
	type row struct {
		p   Profile
		ops [4]bool // decode, encode, encode-lp, other
	}
	var rows []row
	index := map[Profile]int{}
	proc := false
	for _, c := range cs {
		if c.Op() == OpProcess {
			proc = true
			continue
		}
		if c.Profile == ProfileNone {
			continue
		}
		i, ok := index[c.Profile]
		if !ok {
			i = len(rows)
			index[c.Profile] = i
			rows = append(rows, row{p: c.Profile})
		}
		switch c.Op() {
		case OpDecode:
			rows[i].ops[0] = true
		case OpEncode:
			rows[i].ops[1] = true
		case OpEncodeLowPower:
			rows[i].ops[2] = true
		default:
			rows[i].ops[3] = true
		}
	}
	slices.SortFunc(rows, func(a, b row) int { return int(a.p) - int(b.p) })
	var sb strings.Builder
	tw := tabwriter.NewWriter(&sb, 0, 8, 2, ' ', 0)
	fmt.Fprintln(tw, "PROFILE\tFORMAT\tPROFILE-NAME\tDECODE\tENCODE\tENCODE-LP")
	yes := func(b bool) string {
		if b {
			return "yes"
		}
		return "-"
	}
	for _, r := range rows {
		f, name := r.p.Format()
		fs := f.String()
		if f == frame.FormatUnknown {
			fs = "-"
		}
		if name == "" {
			name = "-"
		}
		fmt.Fprintf(tw, "%v\t%s\t%s\t%s\t%s\t%s\n", r.p, fs, name, yes(r.ops[0]), yes(r.ops[1]), yes(r.ops[2]))
	}
	_ = tw.Flush()
	fmt.Fprintf(&sb, "video processing (VideoProc): %s\n", map[bool]string{true: "yes", false: "no"}[proc])
	return sb.String()
}
