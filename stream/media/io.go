// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Input describes media to open: a file, a URL or a device.
type Input struct {
	// URL is a file path, a URL (rtsp://, srt://, ...), or a capture
	// device: a V4L2 node (/dev/video0, or v4l2:///dev/video0).
	URL string
	// Width, Height and FPS are the mode asked of a capture device; 0
	// lets the device choose. Files and URLs ignore them.
	Width, Height int
	FPS           frame.Rational
	// Decode delivers decoded frames (raw video and audio) instead of the
	// encoded packets a stream copy wants.
	Decode bool
	// Decoding applies when Decode is set.
	Decoding Decoding
	// NoVideo and NoAudio leave out a kind even when the input has it.
	NoVideo, NoAudio bool
	// Realtime paces the output to the timestamps, as ffmpeg -re does.
	Realtime bool

	// The fields below are for live inputs (network URLs: see IsNetwork).

	// Transport is RTSP's transport, TransportTCP or TransportUDP; empty
	// leaves the backend's choice (FFmpeg tries UDP, then TCP).
	Transport Transport
	// Timeout bounds how long the input may send nothing: opening it
	// (connect and probe: a backend allows the time its probe reads on
	// top), the first frame of each (re)connection (within twice Timeout),
	// and any gap between frames after. A source that stalls longer fails
	// (or, with Reconnect, is reopened) with an error wrapping ErrTimeout
	// that names the URL. 0 takes DefaultTimeout for network URLs and no
	// bound for files and devices; a negative Timeout is no bound.
	Timeout time.Duration
	// Reconnect, when set, reopens a network input that fails, stalls or
	// ends, with backoff, and shifts the timestamps after the gap so that
	// they go on increasing (see Backoff). nil: the first failure ends Run.
	Reconnect *Backoff
	// OnEvent, when set, is called with each reconnect attempt and its
	// outcome, from the goroutine of Run; it must not block.
	OnEvent func(Event)
}

// Transport is how RTSP carries the media.
type Transport string

// RTSP transports.
const (
	TransportTCP Transport = "tcp" // interleaved in the RTSP connection: passes firewalls, never loses
	TransportUDP Transport = "udp" // RTP over UDP: lowest latency, may lose packets
)

// DefaultTimeout is Input.Timeout for network URLs when it is 0.
const DefaultTimeout = 5 * time.Second

// StallTimeout returns how long in may send nothing before it fails: its
// Timeout, DefaultTimeout for a network URL without one, and 0 (no bound)
// for files, devices and a negative Timeout.
func (in Input) StallTimeout() time.Duration {
	switch {
	case in.Timeout > 0:
		return in.Timeout
	case in.Timeout == 0 && IsNetwork(in.URL):
		return DefaultTimeout
	}
	return 0
}

// Validate reports what is wrong with in.
func (in Input) Validate() error {
	if in.URL == "" {
		return invalid("input: URL is empty")
	}
	if in.NoVideo && in.NoAudio {
		return invalid("input %s: NoVideo and NoAudio: nothing to open", in.URL)
	}
	if in.Width < 0 || in.Height < 0 || in.FPS.Num < 0 || in.FPS.Den < 0 {
		return invalid("input %s: capture mode %dx%d at %v: want positive values or 0", in.URL, in.Width, in.Height, in.FPS)
	}
	if in.Transport != "" && in.Transport != TransportTCP && in.Transport != TransportUDP {
		return invalid("input %s: Transport %q: want %q, %q or empty", in.URL, in.Transport, TransportTCP, TransportUDP)
	}
	if in.Reconnect != nil {
		if err := in.Reconnect.Validate(); err != nil {
			return fmt.Errorf("input %s: %w", in.URL, err)
		}
	}
	return in.Decoding.Validate()
}

// Device returns the device node in names, and whether it names one: a
// path under /dev/ or a v4l2:// URL.
func (in Input) Device() (string, bool) {
	if p, ok := strings.CutPrefix(in.URL, "v4l2://"); ok {
		return p, true
	}
	return in.URL, strings.HasPrefix(in.URL, "/dev/")
}

// Streams says what an opened input sends.
type Streams struct {
	// Video and Audio are the codecs of the streams sent (the first of each
	// kind, unless left out; decoded when Input.Decode): 0 when none.
	Video, Audio frame.Format
}

// Demuxer is an opened input: it sends the frames of the streams it holds,
// until the end of the input (nil), an error, or cancellation. A kind that
// Streams says is absent gets nothing: its Out may be the zero Out. Run
// may be called again after it has returned: it opens the input again
// (how a live input reconnects).
type Demuxer interface {
	Streams() Streams
	Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error
}

// Output describes media to write: a file or a URL.
type Output struct {
	// URL is a file path or a URL.
	URL string
	// Container names the format (see Containers); empty takes it from
	// the URL's extension.
	Container string
	// Video and Audio are the codecs that will be written, checked against
	// the container at build time; 0 skips the check (AddOutput and the
	// examples set them).
	Video, Audio frame.Format
	// SegmentDuration is the length of an HLS segment (cut at the next
	// key frame after it); 0 takes DefaultSegmentDuration. Other
	// containers ignore it.
	SegmentDuration time.Duration
	// Transport is RTSP's transport for a publish (rtsp:// URLs); empty
	// takes TCP, which a RECORD through a firewall or NAT needs.
	Transport Transport
	// Reconnect, when set, publishes again after the output fails (a
	// server that went away or restarted), with backoff: the frames that
	// come meanwhile are released (counted in Stats), and each new session
	// starts at a video key frame. nil: the first failure ends Run with an
	// error naming the URL.
	Reconnect *Backoff
	// OnEvent, when set, is called with each reconnect attempt and its
	// outcome; it must not block.
	OnEvent func(Event)
}

// DefaultSegmentDuration is Output.SegmentDuration when it is 0.
const DefaultSegmentDuration = 2 * time.Second

// Muxer writes the frames of its inputs (either may be a zero In when not
// written) interleaved by time, until both end, and finishes the file.
type Muxer interface {
	Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error
}

// Container is what a container format can hold.
type Container struct {
	Name         string // this package's name for it, as Output.Container takes
	Extensions   []string
	Video, Audio []frame.Format // codecs it holds; raw formats where it holds raw frames
	// Schemes are the URL schemes whose outputs are written in this
	// container unless Output.Container names another: rtmp:// is FLV.
	Schemes []string
}

// Containers is the one table of container formats, by name: the URL
// scheme or extension that implies each and the codecs each holds.
// Backends map the names onto their own muxers. "rtsp" is a publish to
// an RTSP server (ANNOUNCE and RECORD); "hls" is a playlist and its
// MPEG-TS segments in a folder (see HLSPaths); "whip" is a WebRTC publish
// by WHIP (RTP tracks, no container).
var Containers = []Container{ //nolint:gochecknoglobals // the one table of containers, read only
	{"mp4", []string{".mp4", ".m4v", ".m4a"}, []frame.Format{frame.H264, frame.H265, frame.VP9, frame.AV1}, []frame.Format{frame.AAC, frame.Opus, frame.MP3}, nil},
	{"mov", []string{".mov"}, []frame.Format{frame.H264, frame.H265, frame.MJPEG}, []frame.Format{frame.AAC, frame.MP3}, nil},
	{"matroska", []string{".mkv", ".mka"}, []frame.Format{frame.H264, frame.H265, frame.VP8, frame.VP9, frame.AV1, frame.MJPEG}, []frame.Format{frame.AAC, frame.Opus, frame.MP3}, nil},
	{"webm", []string{".webm"}, []frame.Format{frame.VP8, frame.VP9, frame.AV1}, []frame.Format{frame.Opus}, nil},
	{"mpegts", []string{".ts", ".m2ts"}, []frame.Format{frame.H264, frame.H265}, []frame.Format{frame.AAC, frame.Opus, frame.MP3}, []string{"srt", "udp", "rtp"}},
	{"flv", []string{".flv"}, []frame.Format{frame.H264}, []frame.Format{frame.AAC, frame.MP3}, []string{"rtmp", "rtmps"}},
	{"rtsp", nil, []frame.Format{frame.H264, frame.H265}, []frame.Format{frame.AAC, frame.Opus}, []string{"rtsp", "rtsps"}},
	{"hls", []string{".m3u8"}, []frame.Format{frame.H264, frame.H265}, []frame.Format{frame.AAC, frame.MP3}, nil},
	{"whip", nil, []frame.Format{frame.H264, frame.VP8, frame.VP9}, []frame.Format{frame.Opus}, []string{"whip", "whips", "whip+http", "whip+https"}},
	{"y4m", []string{".y4m"}, []frame.Format{frame.I420, frame.I422, frame.I444, frame.GRAY8}, nil, nil},
}

// ContainerOf returns the container out names or implies: Output.Container,
// else the URL's scheme (rtmp://, srt://, rtsp://, ...), else its
// extension; a URL ending in "/" is a folder, for HLS.
func ContainerOf(out Output) (Container, error) {
	name := out.Container
	if name == "" {
		if scheme := Scheme(out.URL); scheme != "" {
			for _, c := range Containers {
				if slices.Contains(c.Schemes, scheme) {
					return c, nil
				}
			}
		}
		if strings.HasSuffix(out.URL, "/") {
			name = "hls"
		}
	}
	if name == "" {
		ext := strings.ToLower(path.Ext(urlPath(out.URL)))
		for _, c := range Containers {
			if slices.Contains(c.Extensions, ext) {
				return c, nil
			}
		}
		return Container{}, invalid("output %s: no container for extension %q: name one (Output.Container: %s)", out.URL, ext, containerNames())
	}
	for _, c := range Containers {
		if c.Name == name {
			return c, nil
		}
	}
	return Container{}, invalid("output %s: container %q is unknown: want one of %s", out.URL, name, containerNames())
}

func containerNames() string {
	var names []string
	for _, c := range Containers {
		names = append(names, c.Name)
	}
	return strings.Join(names, ", ")
}

// Validate reports what is wrong with out: an unknown container, or codecs
// it cannot hold.
func (out Output) Validate() error {
	if out.URL == "" {
		return invalid("output: URL is empty")
	}
	c, err := ContainerOf(out)
	if err != nil {
		return err
	}
	if out.Video != 0 && !slices.Contains(c.Video, out.Video) {
		return invalid("output %s: %s cannot hold %v video (it holds %v)", out.URL, c.Name, out.Video, c.Video)
	}
	if out.Audio != 0 && !slices.Contains(c.Audio, out.Audio) {
		return invalid("output %s: %s cannot hold %v audio (it holds %v)", out.URL, c.Name, out.Audio, c.Audio)
	}
	if out.SegmentDuration < 0 {
		return invalid("output %s: SegmentDuration %v is negative", out.URL, out.SegmentDuration)
	}
	if out.Transport != "" && out.Transport != TransportTCP && out.Transport != TransportUDP {
		return invalid("output %s: Transport %q: want %q, %q or empty", out.URL, out.Transport, TransportTCP, TransportUDP)
	}
	if out.Reconnect != nil {
		if err := out.Reconnect.Validate(); err != nil {
			return fmt.Errorf("output %s: %w", out.URL, err)
		}
	}
	return nil
}

func (s Streams) String() string {
	return fmt.Sprintf("video %v, audio %v", s.Video, s.Audio)
}
