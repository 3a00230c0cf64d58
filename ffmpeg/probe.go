// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/asticode/go-astiav"

	"github.com/spinorml/streamer/frame"
)

// Info is what Probe finds in an input, like a small ffprobe.
type Info struct {
	Format   string        // the demuxer's name ("mov,mp4,m4a,3gp,3g2,mj2")
	Duration time.Duration // 0 when unknown
	BitRate  int64         // bits per second; 0 when unknown
	Streams  []StreamInfo
}

// StreamInfo describes one stream of an input.
type StreamInfo struct {
	Index      int
	Kind       string       // "video", "audio", "subtitle", "data", ...
	Codec      string       // FFmpeg's codec name ("h264", "aac")
	Format     frame.Format // streamer's format, FormatUnknown when it has none
	Width      int          // video
	Height     int          // video
	FrameRate  frame.Rational
	SampleRate int // audio
	Channels   int // audio
	Duration   time.Duration
	Frames     int64 // as the container declares; 0 when it does not
	BitRate    int64
}

// Probe opens d's input, reads its stream information and closes it. The
// errors are Demux's: a missing file or an unknown format names the input.
func Probe(ctx context.Context, d *Demux) (Info, error) {
	in, err := d.open(ctx)
	if err != nil {
		return Info{}, err
	}
	defer in.close()
	fc := in.fc
	info := Info{BitRate: fc.BitRate()}
	if f := fc.InputFormat(); f != nil {
		info.Format = f.Name()
	}
	if dur := fc.Duration(); dur > 0 {
		info.Duration = time.Duration(dur) * time.Microsecond // AV_TIME_BASE
	}
	for _, s := range fc.Streams() {
		cp := s.CodecParameters()
		si := StreamInfo{
			Index: s.Index(), Kind: cp.MediaType().String(), Codec: cp.CodecID().Name(),
			Format: formatOfCodec(cp.CodecID()), Frames: s.NbFrames(), BitRate: cp.BitRate(),
		}
		switch cp.MediaType() {
		case astiav.MediaTypeVideo:
			si.Width, si.Height = cp.Width(), cp.Height()
			if r := s.AvgFrameRate(); r.Num() > 0 && r.Den() > 0 {
				si.FrameRate = frame.Rational{Num: r.Num(), Den: r.Den()}
			}
		case astiav.MediaTypeAudio:
			si.SampleRate, si.Channels = cp.SampleRate(), cp.Channels()
		}
		if tb := s.TimeBase(); s.Duration() > 0 && tb.Den() > 0 {
			si.Duration = time.Duration(float64(s.Duration()) * float64(tb.Num()) / float64(tb.Den()) * float64(time.Second))
		}
		info.Streams = append(info.Streams, si)
	}
	return info, nil
}

// String formats the stream on one line.
func (s StreamInfo) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "stream %d: %s %s", s.Index, s.Kind, s.Codec)
	switch s.Kind {
	case "video":
		fmt.Fprintf(&b, " %dx%d", s.Width, s.Height)
		if s.FrameRate.Den > 0 {
			fmt.Fprintf(&b, " %.3g fps", s.FrameRate.Float())
		}
	case "audio":
		fmt.Fprintf(&b, " %d Hz %d ch", s.SampleRate, s.Channels)
	}
	if s.Duration > 0 {
		fmt.Fprintf(&b, " %v", s.Duration.Round(time.Millisecond))
	}
	if s.Frames > 0 {
		fmt.Fprintf(&b, " %d frames", s.Frames)
	}
	if s.BitRate > 0 {
		fmt.Fprintf(&b, " %d kb/s", s.BitRate/1000)
	}
	return b.String()
}
