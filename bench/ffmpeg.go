// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
)

func init() {
	suites["ffmpeg"] = suite{"FFmpeg stages (decode, transcode) vs the ffmpeg CLI at the same thread count", runFFmpeg}
}

// runFFmpeg compares, each side a separate process timed by wall clock
// (start-up included), with the same thread count on both sides:
//
//	decode:    Demux → Decoder → Null   vs  ffmpeg -threads N -i in.mp4 -an -f null -
//	transcode: Demux → Decoder → Encoder(libx264 ultrafast) → Null
//	           vs  ffmpeg -threads N -i in.mp4 -an -c:v libx264 -preset ultrafast -threads N -f null -
//
// The input, 720p H264 from testsrc2, is made with the ffmpeg CLI first.
// Besides the process wall time, each line gives the rate without process
// start-up: our graph's Run time against the CLI's -benchmark rtime (which
// includes opening the input, as our Run does).
func runFFmpeg(args []string) error {
	fs := newFlags("ffmpeg")
	seconds := fs.Int("seconds", 20, "seconds of 720p30 input (the transcode uses a quarter)")
	threads := fs.String("threads", "1,0", "comma-separated thread counts to compare at (0: one per core)")
	runs := fs.Int("runs", 3, "runs of each side; the median is reported")
	if err := fs.Parse(args); err != nil {
		return err
	}
	dir, child, cleanup, err := prepareChild("ffmpegchild", "ffmpeg", "the ffmpeg CLI", "ffmpeg")
	if err != nil {
		return err
	}
	defer cleanup()
	mkInput := func(name string, secs int) (string, error) {
		p := filepath.Join(dir, name)
		out, err := exec.Command("ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=size=1280x720:rate=30",
			"-t", strconv.Itoa(secs), "-c:v", "libx264", "-preset", "veryfast", "-pix_fmt", "yuv420p", p).CombinedOutput()
		if err != nil {
			return "", fmt.Errorf("making the input: %w\n%s", err, out)
		}
		return p, nil
	}
	long, err := mkInput("decode.mp4", *seconds)
	if err != nil {
		return err
	}
	short, err := mkInput("transcode.mp4", max(*seconds/4, 1))
	if err != nil {
		return err
	}
	type side struct {
		name   string
		frames int
		ours   []string
		base   []string
	}
	var cases []side
	for _, t := range strings.Split(*threads, ",") {
		t = strings.TrimSpace(t)
		if _, err := strconv.Atoi(t); err != nil {
			return fmt.Errorf("-threads %q: %w", *threads, err)
		}
		cases = append(cases,
			side{"ffmpeg-decode-h264-720p-threads" + t, *seconds * 30, []string{"decode", long, t},
				[]string{"-hide_banner", "-nostats", "-benchmark", "-threads", t, "-i", long, "-an", "-f", "null", "-"}},
			side{"ffmpeg-transcode-h264-720p-ultrafast-threads" + t, max(*seconds/4, 1) * 30, []string{"transcode", short, t},
				[]string{"-hide_banner", "-nostats", "-benchmark", "-threads", t, "-i", short, "-an", "-c:v", "libx264", "-preset", "ultrafast", "-threads", t, "-f", "null", "-"}},
		)
	}
	fmt.Printf("# each side a separate process, wall time including start-up, median of %d runs\n", *runs)
	for _, c := range cases {
		var oursT, baseT, oursRun, baseRun []float64
		var copied int64
		for range *runs {
			t, _, out, err := timeProcess(child, c.ours...)
			if err != nil {
				return fmt.Errorf("%s: ours: %w\n%s", c.name, err, out)
			}
			oursT = append(oursT, t)
			var n int64
			var run float64
			if _, err := fmt.Sscanf(out[strings.LastIndex(out, "copied="):], "copied=%d run=%g", &n, &run); err != nil {
				return fmt.Errorf("%s: ours: %q: %w", c.name, out, err)
			}
			copied, oursRun = max(copied, n), append(oursRun, run)
			t, _, out, err = timeProcess("ffmpeg", c.base...)
			if err != nil {
				return fmt.Errorf("%s: ffmpeg CLI: %w\n%s", c.name, err, out)
			}
			baseT = append(baseT, t)
			i := strings.LastIndex(out, "rtime=")
			if i < 0 {
				return fmt.Errorf("%s: no -benchmark line from the ffmpeg CLI:\n%s", c.name, out)
			}
			if _, err := fmt.Sscanf(out[i:], "rtime=%gs", &run); err != nil {
				return fmt.Errorf("%s: ffmpeg CLI: %q: %w", c.name, out[i:], err)
			}
			baseRun = append(baseRun, run)
		}
		f := float64(c.frames)
		o, b := f/median(oursT), f/median(baseT)
		report(c.name, o, b, "fps", fmt.Sprintf(" (without process start-up: ours %.1f fps, CLI -benchmark rtime %.1f fps, ratio %.2f; bytes copied per frame on ffmpeg hops: %d)",
			f/median(oursRun), f/median(baseRun), median(baseRun)/median(oursRun), copied/int64(c.frames)))
	}
	return nil
}
