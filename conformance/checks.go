// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package conformance

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Expect is what the source of a file had, for Check to compare against.
// Zero values skip the check they belong to.
//
// FrameRate is the source's frame grid, e.g. {30, 1}; where it is zero the
// video stream's own frame rate is used. VideoDuration and AudioDuration
// are the source's stream durations. AVOffset is the audio start minus the
// video start in the source, compared only with CheckAVOffset. VFRPTS, for
// variable frame rate sources, lists the expected video PTS relative to the
// first one, in presentation order, and replaces the grid check.
// AudioFrameDur is the tolerance for the audio duration, typically one
// audio frame (1024/48000 s for AAC); the tolerance is never smaller than
// one video frame. One video frame is 1/FrameRate, or where neither
// FrameRate nor the stream gives a rate, the last video packet's duration.
type Expect struct {
	VideoFrames   int
	FrameRate     [2]int
	VideoDuration time.Duration
	AudioDuration time.Duration
	AVOffset      time.Duration
	CheckAVOffset bool
	VFRPTS        []time.Duration
	AudioFrameDur time.Duration
}

// Check runs every check of the package on f and returns the errors.Join of
// all that failed, or nil. Each message names its check and the figures.
//
// The checks are: the decoded video frame count; decode timestamps
// increasing per stream and never after the presentation timestamp;
// video PTS unique and on the frame grid (or equal to e.VFRPTS); the video
// and audio durations; and the offset of the audio start from the video
// start. The package documentation gives the rules and tolerances.
func Check(f *File, e Expect) error {
	var errs []error
	add := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}
	v, hasV := f.Video()
	a, hasA := f.Audio()
	grid := e.FrameRate
	if frameDur(grid) == 0 && hasV {
		grid = v.FrameRate
	}
	fd := frameDur(grid)
	needV := e.VideoFrames > 0 || e.VideoDuration > 0 || e.CheckAVOffset || len(e.VFRPTS) > 0
	if !hasV && needV {
		add(errors.New("video: no video stream"))
	}
	if !hasA && (e.AudioDuration > 0 || e.CheckAVOffset) {
		add(errors.New("audio: no audio stream"))
	}
	if hasV && e.VideoFrames > 0 && v.Frames != e.VideoFrames {
		add(fmt.Errorf("video frames: decoded %d, want %d", v.Frames, e.VideoFrames))
	}
	for _, s := range f.Streams {
		add(checkDTS(f, s))
	}
	var vpts []time.Duration
	lastFrame := fd
	if hasV {
		var err error
		vpts, err = videoPTS(f, v)
		add(err)
		if len(vpts) > 0 {
			if fd == 0 && len(e.VFRPTS) == 0 {
				add(fmt.Errorf("video grid: stream %d has no frame rate and Expect.FrameRate is zero", v.Index))
			} else {
				add(checkGrid(vpts, v, grid, e.VFRPTS))
			}
		}
	}
	if len(vpts) > 0 && (fd == 0 || len(e.VFRPTS) > 0) {
		// Without a grid, one frame is the last frame's duration.
		last := lastDuration(f.PacketsOf(v.Index), vpts[len(vpts)-1], fd)
		lastFrame = last
		if fd == 0 {
			fd = last
		}
	}
	if e.VideoDuration > 0 && len(vpts) > 0 {
		got := vpts[len(vpts)-1] - vpts[0] + lastFrame
		if abs(got-e.VideoDuration) > fd {
			add(fmt.Errorf("video duration: %v (last pts - first pts + one frame), want %v ±%v", got, e.VideoDuration, fd))
		}
	}
	var aStart time.Duration
	var aOK bool
	if hasA && (e.AudioDuration > 0 || e.CheckAVOffset) {
		var aEnd time.Duration
		var err error
		aStart, aEnd, err = audioSpan(f, a)
		add(err)
		aOK = err == nil
		if aOK && e.AudioDuration > 0 {
			tol := max(e.AudioFrameDur, fd)
			if tol == 0 {
				tol = maxDuration(f.PacketsOf(a.Index))
			}
			if got := aEnd - aStart; abs(got-e.AudioDuration) > tol {
				add(fmt.Errorf("audio duration: %v (from %v to %v), want %v ±%v", got, aStart, aEnd, e.AudioDuration, tol))
			}
		}
	}
	if e.CheckAVOffset && aOK && len(vpts) > 0 {
		got := aStart - vpts[0]
		if abs(got-e.AVOffset) > fd {
			add(fmt.Errorf("a/v offset: audio starts at %v, video at %v: offset %v, want %v ±%v",
				aStart, vpts[0], got, e.AVOffset, fd))
		}
	}
	return errors.Join(errs...)
}

// carriesDTS reports whether the container stores decode timestamps.
// Matroska and WebM store only presentation timestamps: the DTS ffprobe
// reports there are reconstructed by libavformat (equal to the PTS for
// streams without reordering, missing on the first packets of a stream
// with B-frames).
func carriesDTS(format string) bool {
	return !strings.Contains(format, "matroska") && !strings.Contains(format, "webm")
}

// checkDTS checks that the DTS of stream s increase in file order, strictly
// where the container carries DTS and non-decreasing where it does not,
// and that no DTS is after its packet's PTS.
func checkDTS(f *File, s Stream) error {
	strict := carriesDTS(f.Format)
	var errs []string
	var order, after int
	var prev time.Duration
	var hasPrev bool
	for i, p := range f.PacketsOf(s.Index) {
		if !p.HasDTS {
			continue
		}
		if hasPrev && (p.DTS < prev || strict && p.DTS == prev) {
			if order == 0 {
				errs = append(errs, fmt.Sprintf("packet %d dts %v after %v", i, p.DTS, prev))
			}
			order++
		}
		if p.HasPTS && p.DTS > p.PTS {
			if after == 0 {
				errs = append(errs, fmt.Sprintf("packet %d dts %v > pts %v", i, p.DTS, p.PTS))
			}
			after++
		}
		prev, hasPrev = p.DTS, true
	}
	if order == 0 && after == 0 {
		return nil
	}
	rule := "strictly increasing"
	if !strict {
		rule = "non-decreasing"
	}
	return fmt.Errorf("stream %d (%s) dts: %s (want %s dts and dts <= pts; %d order and %d dts > pts violations)",
		s.Index, s.Type, strings.Join(errs, ", "), rule, order, after)
}

// videoPTS returns the sorted PTS of stream v and an error if any is
// missing or repeated.
func videoPTS(f *File, v Stream) ([]time.Duration, error) {
	var pts []time.Duration
	missing := 0
	for _, p := range f.PacketsOf(v.Index) {
		if !p.HasPTS {
			missing++
			continue
		}
		pts = append(pts, p.PTS)
	}
	slices.Sort(pts)
	var errs []error
	if missing > 0 {
		errs = append(errs, fmt.Errorf("video pts: %d packets have no pts", missing))
	}
	dups := 0
	var first time.Duration
	for i := 1; i < len(pts); i++ {
		if pts[i] == pts[i-1] {
			if dups == 0 {
				first = pts[i]
			}
			dups++
		}
	}
	if dups > 0 {
		errs = append(errs, fmt.Errorf("video pts: %d duplicates, the first %v", dups, first))
		pts = slices.Compact(pts)
	}
	return pts, errors.Join(errs...)
}

// checkGrid checks sorted, unique video PTS against the grid of frame rate
// grid, or against vfr when it is given.
func checkGrid(pts []time.Duration, v Stream, grid [2]int, vfr []time.Duration) error {
	tol := gridTolerance(v.TimeBase)
	if len(vfr) > 0 {
		if len(pts) != len(vfr) {
			return fmt.Errorf("video vfr pts: %d frames, want %d", len(pts), len(vfr))
		}
		want := slices.Clone(vfr)
		slices.Sort(want)
		bad, firstBad := 0, ""
		for i := range pts {
			got := pts[i] - pts[0]
			if d := abs(got - (want[i] - want[0])); d > tol {
				if bad == 0 {
					firstBad = fmt.Sprintf("frame %d at %v, want %v", i, got, want[i]-want[0])
				}
				bad++
			}
		}
		if bad > 0 {
			return fmt.Errorf("video vfr pts: %s (%d frames off by more than %v)", firstBad, bad, tol)
		}
		return nil
	}
	step := float64(grid[1]) * 1e9 / float64(grid[0]) // exact to well below 1 ns
	bad, firstBad := 0, ""
	for i := range pts {
		rel := float64(pts[i] - pts[0])
		k := math.Round(rel / step)
		if off := math.Abs(rel - k*step); off > float64(tol) {
			if bad == 0 {
				firstBad = fmt.Sprintf("frame %d at %v is %v off the grid", i, pts[i]-pts[0], time.Duration(off))
			}
			bad++
		}
	}
	if bad > 0 {
		return fmt.Errorf("video grid: %s of %d/%d fps (%d frames off by more than %v)", firstBad, grid[0], grid[1], bad, tol)
	}
	return nil
}

// gridTolerance is half a tick of the time base or 1 ms, whichever is
// larger.
func gridTolerance(tb [2]int) time.Duration {
	half := time.Duration(0)
	if tb[1] > 0 {
		half = time.Duration(float64(tb[0]) / float64(tb[1]) * 1e9 / 2)
	}
	return max(half, time.Millisecond)
}

// audioSpan returns when the audio of stream a starts and ends: the
// smallest PTS plus the samples its packet's side data tells the decoder
// to skip (encoder priming an MP4 edit list trims), and the largest
// PTS+duration minus the samples the last packet says to discard.
func audioSpan(f *File, a Stream) (start, end time.Duration, err error) {
	ps := f.PacketsOf(a.Index)
	var first, last *Packet
	var prevDur time.Duration
	for i := range ps {
		p := &ps[i]
		if !p.HasPTS {
			continue
		}
		if p.Duration == 0 {
			p.Duration = prevDur
		}
		prevDur = p.Duration
		if first == nil || p.PTS < first.PTS {
			first = p
		}
		if last == nil || p.PTS+p.Duration > last.PTS+last.Duration {
			last = p
		}
	}
	if first == nil {
		return 0, 0, fmt.Errorf("audio: stream %d has no packets with pts", a.Index)
	}
	start, end = first.PTS, last.PTS+last.Duration
	if a.SampleRate > 0 {
		start += samples(first.SkipSamples, a.SampleRate)
		end -= samples(last.DiscardPadding, a.SampleRate)
	}
	return start, end, nil
}

// lastDuration is the duration of the packet presented last, or fd.
func lastDuration(ps []Packet, lastPTS, fd time.Duration) time.Duration {
	for _, p := range ps {
		if p.HasPTS && p.PTS == lastPTS && p.Duration > 0 {
			return p.Duration
		}
	}
	return fd
}

func maxDuration(ps []Packet) time.Duration {
	var m time.Duration
	for _, p := range ps {
		m = max(m, p.Duration)
	}
	return m
}

// frameDur is the duration of one frame at rate {num, den}, or 0.
func frameDur(rate [2]int) time.Duration {
	if rate[0] <= 0 || rate[1] <= 0 {
		return 0
	}
	return time.Duration(math.Round(float64(rate[1]) * 1e9 / float64(rate[0])))
}

func samples(n, rate int) time.Duration {
	return time.Duration(math.Round(float64(n) * 1e9 / float64(rate)))
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// ExpectFrom measures src, the file a job started from, and returns what
// its output must show to be "as the source": the same decoded video
// frames, the same grid (grid, e.g. {30, 1}, or with vfr the source's own
// PTS list), video and audio durations and A/V offset. audioFrame is the
// tolerance on audio duration (one audio frame of the output's codec).
func ExpectFrom(src *File, grid [2]int, vfr bool, audioFrame time.Duration) (Expect, error) {
	e := Expect{FrameRate: grid, AudioFrameDur: audioFrame}
	v, hasV := src.Video()
	if hasV {
		pts, err := videoPTS(src, v)
		if err != nil {
			return e, err
		}
		if len(pts) == 0 {
			return e, fmt.Errorf("source %s: video stream %d has no packets", src.Path, v.Index)
		}
		e.VideoFrames = v.Frames
		last := frameDur(grid)
		if vfr {
			for _, p := range pts {
				e.VFRPTS = append(e.VFRPTS, p-pts[0])
			}
			last = lastDuration(src.PacketsOf(v.Index), pts[len(pts)-1], last)
		}
		e.VideoDuration = pts[len(pts)-1] - pts[0] + last
		if a, ok := src.Audio(); ok {
			start, end, err := audioSpan(src, a)
			if err != nil {
				return e, err
			}
			e.AudioDuration = end - start
			e.AVOffset, e.CheckAVOffset = start-pts[0], true
		}
	}
	return e, nil
}
