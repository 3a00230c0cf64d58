// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"context"
	"fmt"
	"path"
	"slices"
	"strings"

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
// Streams says is absent gets nothing: its Out may be the zero Out.
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
}

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
}

// Containers is the one table of container formats, by name: the
// extension that implies each and the codecs each holds. Backends map the
// names onto their own muxers.
var Containers = []Container{
	{"mp4", []string{".mp4", ".m4v", ".m4a"}, []frame.Format{frame.H264, frame.H265, frame.VP9, frame.AV1}, []frame.Format{frame.AAC, frame.Opus, frame.MP3}},
	{"mov", []string{".mov"}, []frame.Format{frame.H264, frame.H265, frame.MJPEG}, []frame.Format{frame.AAC, frame.MP3}},
	{"matroska", []string{".mkv", ".mka"}, []frame.Format{frame.H264, frame.H265, frame.VP8, frame.VP9, frame.AV1, frame.MJPEG}, []frame.Format{frame.AAC, frame.Opus, frame.MP3}},
	{"webm", []string{".webm"}, []frame.Format{frame.VP8, frame.VP9, frame.AV1}, []frame.Format{frame.Opus}},
	{"mpegts", []string{".ts", ".m2ts"}, []frame.Format{frame.H264, frame.H265}, []frame.Format{frame.AAC, frame.Opus, frame.MP3}},
	{"flv", []string{".flv"}, []frame.Format{frame.H264}, []frame.Format{frame.AAC, frame.MP3}},
	{"y4m", []string{".y4m"}, []frame.Format{frame.I420, frame.I422, frame.I444, frame.GRAY8}, nil},
}

// ContainerOf returns the container out names or implies.
func ContainerOf(out Output) (Container, error) {
	name := out.Container
	if name == "" {
		ext := strings.ToLower(path.Ext(out.URL))
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
	return nil
}

func (s Streams) String() string {
	return fmt.Sprintf("video %v, audio %v", s.Video, s.Audio)
}
