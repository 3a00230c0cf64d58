// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"fmt"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"time"
)

func init() {
	suites["gst"] = suite{"GStreamer stages vs gst-launch-1.0 doing the same work", runGst}
}

// The two sides of each comparison run as child processes, so each has its
// own start-up, its own peak RSS, and the same wall-clock measure; ours is
// bench/gstchild, which encodes this same source.
const gstSource = "videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=I420,width=1280,height=720,framerate=30/1"

func runGst(args []string) error {
	fs := newFlags("gst")
	frames := fs.Int("frames", 1500, "frames for the pass-through comparison (the encode one uses a fifth)")
	runs := fs.Int("runs", 3, "runs of each side; the median is reported")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, child, cleanup, err := prepareChild("gstchild", "gst-launch-1.0", "gst-launch-1.0", "gstreamer1.0-tools")
	if err != nil {
		return err
	}
	defer cleanup()
	encFrames := *frames / 5
	cases := []struct {
		name     string
		frames   int
		ours     []string
		baseline string
	}{
		{"gst-passthrough-720p", *frames, []string{"passthrough", strconv.Itoa(*frames)},
			fmt.Sprintf(gstSource, *frames) + " ! fakesink"},
		{"gst-encode-h264-720p", encFrames, []string{"encode", strconv.Itoa(encFrames)},
			fmt.Sprintf(gstSource, encFrames) + " ! videoconvert ! x264enc speed-preset=veryfast ! h264parse config-interval=-1 ! video/x-h264,stream-format=byte-stream,alignment=au ! fakesink"},
	}
	fmt.Printf("# each side a separate process, wall time including start-up, median of %d runs\n", *runs)
	for _, c := range cases {
		var oursT, baseT, oursRSS, baseRSS []float64
		var copied int64
		for range *runs {
			t, rss, out, err := timeProcess(child, c.ours...)
			if err != nil {
				return fmt.Errorf("%s: ours: %w\n%s", c.name, err, out)
			}
			oursT, oursRSS = append(oursT, t), append(oursRSS, rss)
			if _, after, ok := strings.Cut(out, "copied="); ok {
				n, _ := strconv.ParseInt(strings.TrimSpace(after), 10, 64)
				copied = max(copied, n)
			}
			t, rss, out, err = timeProcess("gst-launch-1.0", append([]string{"-q"}, strings.Fields(c.baseline)...)...)
			if err != nil {
				return fmt.Errorf("%s: gst-launch: %w\n%s", c.name, err, out)
			}
			baseT, baseRSS = append(baseT, t), append(baseRSS, rss)
		}
		o, b := float64(c.frames)/median(oursT), float64(c.frames)/median(baseT)
		fmt.Printf("%s: ours %.1f fps, baseline %.1f fps, ratio %.2f (peak RSS: ours %.1f MB, baseline %.1f MB, ratio %.2f; bytes copied per frame: %d)\n",
			c.name, o, b, o/b, median(oursRSS), median(baseRSS), median(oursRSS)/median(baseRSS), copied/int64(c.frames))
	}
	return nil
}

func median(xs []float64) float64 {
	s := slices.Clone(xs)
	slices.Sort(s)
	return s[len(s)/2]
}

// timeProcess runs a command and returns its wall time in seconds, its peak
// RSS in MB and its output.
func timeProcess(name string, args ...string) (secs, rssMB float64, out string, err error) {
	cmd := exec.Command(name, args...)
	t0 := time.Now()
	b, err := cmd.CombinedOutput()
	secs = time.Since(t0).Seconds()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		rssMB = float64(ru.Maxrss) / 1024
	}
	return secs, rssMB, string(b), err
}
