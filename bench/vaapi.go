// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/gst"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/vaapi"
)

func init() {
	suites["vaapi"] = suite{"VA-API decode/encode/scale vs the software stages and gst-launch-1.0", runVaapi}
}

// runVaapi compares, in one run, the VA-API stages with the software stages
// doing the same work, and our VA-API graph with gst-launch-1.0 running the
// same va elements. On a machine without a usable VA-API device it says so
// and compares nothing.
func runVaapi(args []string) error {
	fs := newFlags("vaapi")
	frames := fs.Int("frames", 600, "1080p frames per case")
	runs := fs.Int("runs", 3, "runs of each side; the median is reported")
	if err := fs.Parse(args); err != nil {
		return err
	}
	devs, err := vaapi.Devices()
	if err != nil {
		return err
	}
	var usable []vaapi.Device
	for _, d := range devs {
		if d.Err != nil {
			fmt.Printf("# %s: %v\n", d.Path, d.Err)
			continue
		}
		usable = append(usable, d)
	}
	if len(usable) == 0 {
		fmt.Println("vaapi: no usable VA-API device here (no /dev/dri/renderD* with a driver): nothing compared; the software stages' figures are in `go run ./bench gst`")
		return nil
	}
	d := usable[0]
	fmt.Printf("# device %s: %s (VA-API %s)\n", d.Path, d.Vendor, d.Version)
	for _, tool := range []string{"ffmpeg", "gst-launch-1.0"} {
		if _, err := exec.LookPath(tool); err != nil {
			return fmt.Errorf("%s makes the input or the baseline and is not installed", tool)
		}
	}
	dir, err := os.MkdirTemp("", "streamer-bench-vaapi")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	input := filepath.Join(dir, "in.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i",
		"testsrc2=size=1920x1080:rate=30,format=yuv420p", "-frames:v", fmt.Sprint(*frames),
		"-c:v", "libx264", "-preset", "veryfast", input).CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg making the input: %v\n%s", err, out)
	}
	demux := "filesrc location=" + input + " ! qtdemux ! h264parse"
	raw := fmt.Sprintf("videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1", *frames)

	type side struct {
		label string
		build func() (*stream.Graph, error)
	}
	type comparison struct {
		name       string
		hw, sw     side
		launch     string // gst-launch-1.0 doing the hardware side's work
		dev        string // the va element the launch line needs
		zeroCopies bool   // the hardware side must copy no frame bytes
	}
	cases := []comparison{
		{
			name: "vaapi-decode-h264-1080p",
			hw: side{"ours-hw", func() (*stream.Graph, error) {
				dec, err := vaapi.NewDecoder(vaapi.DecoderConfig{Codec: frame.H264, Device: d.Path})
				if err != nil {
					return nil, err
				}
				return stream.Connect(gst.NewSource[frame.Video](demux), stream.Via(dec), &stage.Null[frame.Video]{}), nil
			}},
			sw: side{"ours-sw", func() (*stream.Graph, error) {
				dec, err := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264, Element: "avdec_h264"})
				if err != nil {
					return nil, err
				}
				return stream.Connect(gst.NewSource[frame.Video](demux), stream.Via(dec), &stage.Null[frame.Video]{}), nil
			}},
			launch: demux + " ! " + d.ElementName("vah264dec") + " ! fakesink", dev: d.ElementName("vah264dec"), zeroCopies: true,
		},
		{
			name: "vaapi-encode-h264-1080p",
			hw: side{"ours-hw", func() (*stream.Graph, error) {
				enc, err := vaapi.NewEncoder(vaapi.EncoderConfig{Codec: frame.H264, Device: d.Path, Bitrate: 8_000_000, RateControl: "cbr"})
				if err != nil {
					return nil, err
				}
				return stream.Connect(gst.NewSource[frame.Video](raw), stream.Via(enc), &stage.Null[frame.Video]{}), nil
			}},
			sw: side{"ours-sw", func() (*stream.Graph, error) {
				enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Element: "x264enc", Preset: "veryfast", Bitrate: 8_000_000})
				if err != nil {
					return nil, err
				}
				return stream.Connect(gst.NewSource[frame.Video](raw), stream.Via(enc), &stage.Null[frame.Video]{}), nil
			}},
			launch: raw + " ! " + d.ElementName("vah264enc") + " ! fakesink", dev: d.ElementName("vah264enc"),
		},
		{
			name: "vaapi-transcode-h264-1080p-to-720p",
			hw: side{"ours-hw", func() (*stream.Graph, error) {
				dec, err := vaapi.NewDecoder(vaapi.DecoderConfig{Codec: frame.H264, Device: d.Path})
				if err != nil {
					return nil, err
				}
				scale, err := vaapi.NewScaler(vaapi.ScalerConfig{Width: 1280, Height: 720, Device: d.Path})
				if err != nil {
					return nil, err
				}
				enc, err := vaapi.NewEncoder(vaapi.EncoderConfig{Codec: frame.H264, Device: d.Path, Bitrate: 4_000_000, RateControl: "cbr"})
				if err != nil {
					return nil, err
				}
				return stream.Connect(gst.NewSource[frame.Video](demux), stream.Via(dec, scale, enc), &stage.Null[frame.Video]{}), nil
			}},
			sw: side{"ours-sw", func() (*stream.Graph, error) {
				dec, err := gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264, Element: "avdec_h264"})
				if err != nil {
					return nil, err
				}
				scale := gst.NewTransform[frame.Video, frame.Video]("videoscale ! video/x-raw,width=1280,height=720")
				enc, err := gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Element: "x264enc", Preset: "veryfast", Bitrate: 4_000_000})
				if err != nil {
					return nil, err
				}
				return stream.Connect(gst.NewSource[frame.Video](demux), stream.Via(dec, scale, enc), &stage.Null[frame.Video]{}), nil
			}},
			launch: demux + " ! " + d.ElementName("vah264dec") + " ! " + d.ElementName("vapostproc") +
				" ! video/x-raw(memory:VAMemory),width=1280,height=720 ! " + d.ElementName("vah264enc") + " ! fakesink",
			dev: d.ElementName("vah264enc"), zeroCopies: true,
		},
	}
	fmt.Printf("# %d frames per case, wall time, median of %d runs; hw and sw in this process, gst-launch-1.0 as a child\n", *frames, *runs)
	for _, c := range cases {
		if !gst.HasElement(c.dev) {
			fmt.Printf("%s: skipped: the device has no %s\n", c.name, c.dev)
			continue
		}
		var hwT, swT, launchT []float64
		var copied int64
		for range *runs {
			t, cp, err := timeGraph(c.hw.build)
			if err != nil {
				return fmt.Errorf("%s: %s: %w", c.name, c.hw.label, err)
			}
			hwT, copied = append(hwT, t), max(copied, cp)
			if t, _, err = timeGraph(c.sw.build); err != nil {
				return fmt.Errorf("%s: %s: %w", c.name, c.sw.label, err)
			}
			swT = append(swT, t)
			t, _, out, err := timeProcess("gst-launch-1.0", append([]string{"-q"}, strings.Fields(c.launch)...)...)
			if err != nil {
				return fmt.Errorf("%s: gst-launch: %w\n%s", c.name, err, out)
			}
			launchT = append(launchT, t)
		}
		hw, sw, gl := float64(*frames)/median(hwT), float64(*frames)/median(swT), float64(*frames)/median(launchT)
		fmt.Printf("%s: hardware %.1f fps, software %.1f fps, ratio %.2f (bytes copied to CPU per frame: %d)\n",
			c.name, hw, sw, hw/sw, copied/int64(*frames))
		report(c.name+"-vs-gst-launch", hw, gl, "fps", "")
		if c.zeroCopies && copied != 0 {
			return fmt.Errorf("%s: the hardware path copied %d bytes to CPU memory", c.name, copied)
		}
	}
	return nil
}

// timeGraph builds a graph, runs it to the end and returns the wall time in
// seconds and the frame bytes copied meanwhile.
func timeGraph(build func() (*stream.Graph, error)) (float64, int64, error) {
	g, err := build()
	if err != nil {
		return 0, 0, err
	}
	copied := frame.CopiedBytes()
	start := time.Now()
	if err := g.Run(context.Background()); err != nil {
		return 0, 0, err
	}
	return time.Since(start).Seconds(), frame.CopiedBytes() - copied, nil
}
