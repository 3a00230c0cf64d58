// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package conformance

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os/exec"
	"strconv"
	"strings"
	"time"
)

// Tool names, looked up on PATH.
const (
	ffprobe = "ffprobe"
	ffmpeg  = "ffmpeg"
)

// Packet is one packet of a file as ffprobe demuxes it.
//
// PTS, DTS and Duration are exact conversions of the integer timestamps
// with the stream's time base, rounded to the nanosecond. HasPTS and HasDTS
// are false where ffprobe reports no value (N/A). SkipSamples and
// DiscardPadding come from the packet's "Skip Samples" side data: the
// samples a decoder drops at the start and at the end of the packet (the
// encoder priming an MP4 edit list trims, the padding of the last Opus
// packet in Matroska).
type Packet struct {
	Stream         int
	PTS, DTS       time.Duration
	HasDTS, HasPTS bool
	Duration       time.Duration
	Key            bool
	Size           int
	SkipSamples    int
	DiscardPadding int
}

// Stream describes one stream of a file.
//
// Type is "video", "audio" or whatever else ffprobe says (e.g. "data").
// TimeBase is the stream time base as {num, den}. FrameRate is ffprobe's
// r_frame_rate, or avg_frame_rate where r_frame_rate is 0/0. StartTime and
// Duration are ffprobe's stream start_time and duration (0 where N/A, as
// for Matroska stream durations). Frames is the number of frames the
// decoder produced (nb_read_frames under -count_frames), not a count
// stored in the container.
type Stream struct {
	Index               int
	Type                string
	Codec               string
	Width, Height       int
	SampleRate          int
	Channels            int
	TimeBase            [2]int
	FrameRate           [2]int
	StartTime, Duration time.Duration
	Frames              int
}

// File is what Probe learned about a media file: its container format
// (ffprobe's format_name, e.g. "mov,mp4,m4a,3gp,3g2,mj2", "matroska,webm",
// "mpegts"), duration, streams and every packet in file order.
type File struct {
	Path, Format string
	Duration     time.Duration
	Streams      []Stream
	Packets      []Packet
}

// Probe runs ffprobe once on path, decoding every stream to count its
// frames, and returns the file's format, streams and packets.
// The error names the file and carries ffprobe's stderr.
func Probe(ctx context.Context, path string) (*File, error) {
	out, err := run(ctx, ffprobe, "-v", "error", "-count_frames",
		"-show_format", "-show_streams", "-show_packets", "-of", "json", path)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", path, err)
	}
	f, err := parseProbe(out)
	if err != nil {
		return nil, fmt.Errorf("probe %s: %w", path, err)
	}
	f.Path = path
	return f, nil
}

// Video returns the first video stream of f, or false if it has none.
func (f *File) Video() (Stream, bool) { return f.first("video") }

// Audio returns the first audio stream of f, or false if it has none.
func (f *File) Audio() (Stream, bool) { return f.first("audio") }

func (f *File) first(typ string) (Stream, bool) {
	for _, s := range f.Streams {
		if s.Type == typ {
			return s, true
		}
	}
	return Stream{}, false
}

// PacketsOf returns the packets of the stream with the given index, in
// file (decode) order.
func (f *File) PacketsOf(stream int) []Packet {
	var ps []Packet
	for _, p := range f.Packets {
		if p.Stream == stream {
			ps = append(ps, p)
		}
	}
	return ps
}

// run runs a tool and returns its stdout; the error carries its stderr.
func run(ctx context.Context, name string, args ...string) ([]byte, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		msg := strings.TrimSpace(stderr.String())
		if msg == "" {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		return nil, fmt.Errorf("%s: %w: %s", name, err, msg)
	}
	return stdout.Bytes(), nil
}

// The JSON ffprobe writes. Absent keys are values ffprobe reports as N/A.
type probeJSON struct {
	Packets []struct {
		StreamIndex  int    `json:"stream_index"`
		PTS          *int64 `json:"pts"`
		DTS          *int64 `json:"dts"`
		Duration     *int64 `json:"duration"`
		Size         string `json:"size"`
		Flags        string `json:"flags"`
		SideDataList []struct {
			Type           string `json:"side_data_type"`
			SkipSamples    int    `json:"skip_samples"`
			DiscardPadding int    `json:"discard_padding"`
		} `json:"side_data_list"`
	} `json:"packets"`
	Streams []struct {
		Index        int    `json:"index"`
		CodecName    string `json:"codec_name"`
		CodecType    string `json:"codec_type"`
		Width        int    `json:"width"`
		Height       int    `json:"height"`
		SampleRate   string `json:"sample_rate"`
		Channels     int    `json:"channels"`
		RFrameRate   string `json:"r_frame_rate"`
		AvgFrameRate string `json:"avg_frame_rate"`
		TimeBase     string `json:"time_base"`
		StartPTS     *int64 `json:"start_pts"`
		DurationTS   *int64 `json:"duration_ts"`
		StartTime    string `json:"start_time"`
		Duration     string `json:"duration"`
		NbReadFrames string `json:"nb_read_frames"`
	} `json:"streams"`
	Format struct {
		FormatName string `json:"format_name"`
		Duration   string `json:"duration"`
	} `json:"format"`
}

func parseProbe(data []byte) (*File, error) {
	var j probeJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("parsing ffprobe output: %w", err)
	}
	f := &File{Format: j.Format.FormatName, Duration: seconds(j.Format.Duration)}
	tbs := make(map[int][2]int)
	for _, js := range j.Streams {
		s := Stream{
			Index:      js.Index,
			Type:       js.CodecType,
			Codec:      js.CodecName,
			Width:      js.Width,
			Height:     js.Height,
			SampleRate: atoi(js.SampleRate),
			Channels:   js.Channels,
			TimeBase:   ratio(js.TimeBase),
			FrameRate:  ratio(js.RFrameRate),
			Frames:     atoi(js.NbReadFrames),
		}
		if s.FrameRate[0] == 0 || s.FrameRate[1] == 0 {
			s.FrameRate = ratio(js.AvgFrameRate)
		}
		if s.TimeBase[0] <= 0 || s.TimeBase[1] <= 0 {
			return nil, fmt.Errorf("stream %d: bad time_base %q", js.Index, js.TimeBase)
		}
		if js.StartPTS != nil {
			s.StartTime = ticks(*js.StartPTS, s.TimeBase)
		} else {
			s.StartTime = seconds(js.StartTime)
		}
		if js.DurationTS != nil {
			s.Duration = ticks(*js.DurationTS, s.TimeBase)
		} else {
			s.Duration = seconds(js.Duration)
		}
		tbs[s.Index] = s.TimeBase
		f.Streams = append(f.Streams, s)
	}
	f.Packets = make([]Packet, 0, len(j.Packets))
	for i, jp := range j.Packets {
		tb, ok := tbs[jp.StreamIndex]
		if !ok {
			return nil, fmt.Errorf("packet %d: unknown stream %d", i, jp.StreamIndex)
		}
		p := Packet{
			Stream: jp.StreamIndex,
			Key:    strings.HasPrefix(jp.Flags, "K"),
			Size:   atoi(jp.Size),
		}
		if jp.PTS != nil {
			p.PTS, p.HasPTS = ticks(*jp.PTS, tb), true
		}
		if jp.DTS != nil {
			p.DTS, p.HasDTS = ticks(*jp.DTS, tb), true
		}
		if jp.Duration != nil {
			p.Duration = ticks(*jp.Duration, tb)
		}
		for _, sd := range jp.SideDataList {
			if sd.Type == "Skip Samples" {
				p.SkipSamples, p.DiscardPadding = sd.SkipSamples, sd.DiscardPadding
			}
		}
		f.Packets = append(f.Packets, p)
	}
	return f, nil
}

// ticks converts n ticks of time base tb to a duration, exactly up to
// rounding to the nearest nanosecond.
func ticks(n int64, tb [2]int) time.Duration {
	num, den := int64(tb[0]), int64(tb[1])
	if den == 0 {
		return 0
	}
	if num != 1 && math.Abs(float64(n)*float64(num)) > math.MaxInt64/4 {
		return time.Duration(float64(n) * float64(num) / float64(den) * 1e9)
	}
	v := n * num
	q, r := v/den, v%den
	// r*1e9 fits in int64 for any den < 2^33.
	frac := (r*int64(time.Second)*2 + sign(r)*den) / (2 * den) // rounded
	return time.Duration(q)*time.Second + time.Duration(frac)
}

func sign(x int64) int64 {
	if x < 0 {
		return -1
	}
	return 1
}

// ratio parses "num/den"; it returns {0, 0} for anything else.
func ratio(s string) [2]int {
	a, b, ok := strings.Cut(s, "/")
	if !ok {
		return [2]int{}
	}
	n, err1 := strconv.Atoi(a)
	d, err2 := strconv.Atoi(b)
	if err1 != nil || err2 != nil {
		return [2]int{}
	}
	return [2]int{n, d}
}

// seconds parses a decimal seconds string; N/A and garbage are 0.
func seconds(s string) time.Duration {
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
		return 0
	}
	return time.Duration(math.Round(v * 1e9))
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
