// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package conformance

import (
	"math"
	"strings"
	"testing"
	"time"
)

const ms = time.Millisecond

// synth returns a file of format with a 30 fps video stream (time base
// 1/90000) of n (even) frames in decode order I P B P B ... with PTS on the grid
// and DTS two frames behind, and a 48 kHz AAC audio stream of 2 s.
func synth(format string, n int) *File {
	f := &File{Path: "synth", Format: format, Streams: []Stream{
		{Index: 0, Type: "video", TimeBase: [2]int{1, 90000}, FrameRate: [2]int{30, 1}, Frames: n},
		{Index: 1, Type: "audio", TimeBase: [2]int{1, 48000}, SampleRate: 48000},
	}}
	tick := func(t int64) time.Duration { return ticks(t, [2]int{1, 90000}) }
	for i := range n {
		// Decode order 0 2 1 4 3 ... n-1: presentation index of decode slot i.
		pi := i
		if i > 0 && i < n-1 {
			if i%2 == 1 {
				pi = i + 1
			} else {
				pi = i - 1
			}
		}
		f.Packets = append(f.Packets, Packet{Stream: 0, PTS: tick(int64(pi) * 3000), DTS: tick(int64(i-2) * 3000),
			HasPTS: true, HasDTS: true, Duration: tick(3000), Key: i == 0})
	}
	for i := range 94 {
		f.Packets = append(f.Packets, Packet{Stream: 1, PTS: ticks(int64(i)*1024, [2]int{1, 48000}),
			DTS: ticks(int64(i)*1024, [2]int{1, 48000}), HasPTS: true, HasDTS: true, Duration: ticks(1024, [2]int{1, 48000})})
	}
	return f
}

var synthWant = Expect{VideoFrames: 60, FrameRate: [2]int{30, 1}, VideoDuration: 2 * time.Second,
	AudioDuration: 2 * time.Second, CheckAVOffset: true, AudioFrameDur: 1024 * time.Second / 48000}

func wantErr(t *testing.T, err error, msg string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), msg) {
		t.Errorf("Check = %v, want an error containing %q", err, msg)
	}
}

func TestCheckSynthetic(t *testing.T) {
	good := func() *File { return synth("mpegts", 60) }
	if err := Check(good(), synthWant); err != nil {
		t.Fatalf("synthetic good file: %v", err)
	}

	f := good()
	f.Packets[5].DTS = f.Packets[4].DTS
	wantErr(t, Check(f, synthWant), "stream 0 (video) dts: packet 5 dts")

	// Matroska stores no DTS: equal reconstructed DTS are allowed,
	// decreasing ones are not.
	f = good()
	f.Format = "matroska,webm"
	f.Packets[5].DTS = f.Packets[4].DTS
	if err := Check(f, synthWant); err != nil {
		t.Errorf("matroska with equal dts: %v", err)
	}
	f.Packets[5].DTS = f.Packets[4].DTS - ms
	wantErr(t, Check(f, synthWant), "want non-decreasing dts")

	f = good()
	f.Packets[0].HasDTS = false // missing DTS are skipped
	if err := Check(f, synthWant); err != nil {
		t.Errorf("missing dts: %v", err)
	}

	f = good()
	f.Packets[3].DTS = f.Packets[3].PTS + ms
	wantErr(t, Check(f, synthWant), "packet 3 dts 134.333333ms > pts 133.333333ms")

	f = good()
	f.Packets[7].PTS = f.Packets[8].PTS
	wantErr(t, Check(f, synthWant), "video pts: 1 duplicates")

	f = good()
	f.Packets[10].PTS += 900 * time.Microsecond // within 1 ms
	if err := Check(f, synthWant); err != nil {
		t.Errorf("pts 0.9 ms off: %v", err)
	}
	f.Packets[10].PTS += 200 * time.Microsecond
	wantErr(t, Check(f, synthWant), "video grid: frame ")

	f = good()
	f.Streams[0].Frames = 59
	wantErr(t, Check(f, synthWant), "video frames: decoded 59, want 60")

	e := synthWant
	e.AudioDuration = 2*time.Second + 40*ms
	wantErr(t, Check(good(), e), "audio duration: ")

	e = synthWant
	e.VideoDuration = 2*time.Second - 34*ms
	wantErr(t, Check(good(), e), "video duration: 2s")

	// Audio shifted by two frames either way fails; priming signalled by
	// skip samples is discounted.
	for _, shift := range []time.Duration{-67 * ms, 67 * ms} {
		f = good()
		for i := range f.Packets {
			if f.Packets[i].Stream == 1 {
				f.Packets[i].PTS += shift
			}
		}
		wantErr(t, Check(f, synthWant), "a/v offset")
	}
	f = good()
	for i := range f.Packets {
		if f.Packets[i].Stream == 1 {
			f.Packets[i].PTS -= 50 * ms
			f.Packets[i].DTS -= 50 * ms
		}
	}
	f.Packets[60].SkipSamples = 2400 // 50 ms
	e = synthWant
	e.AudioDuration -= 50 * ms
	if err := Check(f, e); err != nil {
		t.Errorf("skip samples: %v", err)
	}

	e = synthWant
	e.AVOffset = 100 * ms
	wantErr(t, Check(good(), e), "a/v offset: audio starts at 0s, video at 0s: offset 0s, want 100ms")

	// Missing streams.
	f = good()
	f.Streams = f.Streams[:1]
	wantErr(t, Check(f, synthWant), "audio: no audio stream")
}

func TestCheckVFR(t *testing.T) {
	f := synth("mov,mp4,m4a,3gp,3g2,mj2", 4)
	f.Streams = f.Streams[:1]
	f.Streams[0].FrameRate = [2]int{} // one frame is then the last packet's duration
	pts := []time.Duration{0, 40 * ms, 50 * ms, 100 * ms}
	for i, p := range []int{0, 2, 1, 3} {
		f.Packets[i].PTS = pts[p]
	}
	f.Packets = f.Packets[:4]
	e := Expect{VideoFrames: 4, VFRPTS: pts, VideoDuration: 133 * ms}
	if err := Check(f, e); err != nil {
		t.Errorf("vfr: %v", err)
	}
	f.Packets[2].PTS += 2 * ms
	wantErr(t, Check(f, e), "video vfr pts: frame 1 at 42ms, want 40ms")
	e.VFRPTS = pts[:3]
	wantErr(t, Check(f, e), "video vfr pts: 4 frames, want 3")
}

func TestTicks(t *testing.T) {
	for _, tc := range []struct {
		n    int64
		tb   [2]int
		want time.Duration
	}{
		{1, [2]int{1, 90000}, 11111},
		{2, [2]int{1, 90000}, 22222},
		{5, [2]int{1, 90000}, 55556},
		{-1024, [2]int{1, 15360}, -66666667},
		{324000000, [2]int{1, 90000}, time.Hour},
		{1001, [2]int{1, 30000}, 33366667},
		{3, [2]int{1001, 30000}, 100100000},
		{-7, [2]int{1, 1000}, -7 * ms},
	} {
		if got := ticks(tc.n, tc.tb); got != tc.want {
			t.Errorf("ticks(%d, %v) = %d, want %d", tc.n, tc.tb, got, tc.want)
		}
	}
}

func TestParseProbe(t *testing.T) {
	const out = `{
    "packets": [
        {"codec_type": "video", "stream_index": 0, "pts": 7, "duration": 33, "size": "8732", "flags": "K_"},
        {"codec_type": "audio", "stream_index": 1, "pts": -1024, "dts": -1024, "duration": 1024, "size": "212", "flags": "K_",
         "side_data_list": [{"side_data_type": "Skip Samples", "skip_samples": 1024, "discard_padding": 0}]},
        {"codec_type": "video", "stream_index": 0, "pts": 40, "dts": 7, "duration": 33, "size": "100", "flags": "__"}
    ],
    "streams": [
        {"index": 0, "codec_name": "h264", "codec_type": "video", "width": 320, "height": 240,
         "r_frame_rate": "30/1", "avg_frame_rate": "30/1", "time_base": "1/1000", "start_pts": 7,
         "start_time": "0.007000", "nb_read_frames": "60"},
        {"index": 1, "codec_name": "aac", "codec_type": "audio", "sample_rate": "48000", "channels": 1,
         "r_frame_rate": "0/0", "avg_frame_rate": "0/0", "time_base": "1/48000", "start_pts": 0,
         "start_time": "0.000000", "duration_ts": 96000, "duration": "2.000000", "nb_read_frames": "94"}
    ],
    "format": {"format_name": "matroska,webm", "duration": "2.008000"}
}`
	f, err := parseProbe([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if f.Format != "matroska,webm" || f.Duration != 2008*ms || len(f.Streams) != 2 || len(f.Packets) != 3 {
		t.Fatalf("file %+v", f)
	}
	v, _ := f.Video()
	if v.Width != 320 || v.FrameRate != [2]int{30, 1} || v.TimeBase != [2]int{1, 1000} || v.StartTime != 7*ms || v.Frames != 60 || v.Duration != 0 {
		t.Errorf("video %+v", v)
	}
	a, _ := f.Audio()
	if a.SampleRate != 48000 || a.Channels != 1 || a.Duration != 2*time.Second || a.Frames != 94 {
		t.Errorf("audio %+v", a)
	}
	p := f.Packets[0]
	if !p.HasPTS || p.HasDTS || p.PTS != 7*ms || p.Duration != 33*ms || !p.Key || p.Size != 8732 {
		t.Errorf("packet 0 %+v", p)
	}
	if p := f.Packets[1]; p.PTS != -1024*time.Second/48000 || p.SkipSamples != 1024 {
		t.Errorf("packet 1 %+v", p)
	}
	if ps := f.PacketsOf(0); len(ps) != 2 || ps[1].DTS != 7*ms || ps[1].Key {
		t.Errorf("PacketsOf(0) = %+v", ps)
	}
	if _, err := parseProbe([]byte("{")); err == nil {
		t.Error("parseProbe of bad JSON succeeded")
	}
}

func TestParseFrameHash(t *testing.T) {
	const out = `#format: frame checksums
#version: 2
#hash: MD5
#stream#, dts,        pts, duration,     size, hash
0,      -1024,      -1024,     1024,      212, e5e8f3385e10f16d2c31f0268aeb626f, S=1,       10, f00904fd87b64e6bede38cfd77615dfc
0,          0,          0,     1024,      280, f4524fd714e39c836a054de0f64a7070
`
	h, err := parseFrameHash([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(h) != 2 || h[0] != "e5e8f3385e10f16d2c31f0268aeb626f" || h[1] != "f4524fd714e39c836a054de0f64a7070" {
		t.Errorf("hashes %q", h)
	}
	if err := EqualHashes(h, h); err != nil {
		t.Error(err)
	}
	wantErr(t, EqualHashes(h, []string{h[0], "x"}), "packet 1 differs")
	wantErr(t, EqualHashes(h[:1], h), "1 packets, want 2")
}

func TestParsePSNR(t *testing.T) {
	const out = "n:1 mse_avg:0.00 mse_y:0.00 psnr_avg:inf psnr_y:inf\nn:2 mse_avg:3.1 psnr_avg:41.20 psnr_y:40.00\n"
	v, err := parsePSNR([]byte(out))
	if err != nil {
		t.Fatal(err)
	}
	if len(v) != 2 || !math.IsInf(v[0], 1) || v[1] != 41.2 {
		t.Errorf("psnr %v", v)
	}
	if err := CheckAligned(v, 30); err != nil {
		t.Error(err)
	}
	wantErr(t, CheckAligned([]float64{40, 29.5, math.NaN()}, 30), "psnr: frame 1 is 29.50 dB, below 30.00 dB (2 of 3 frames below)")
}
