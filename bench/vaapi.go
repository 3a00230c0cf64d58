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

// vaapiCase is one comparison: the same work done by the VA-API stages
// (hw), by the software stages (sw), and by gst-launch-1.0 running the same
// va elements as hw.
type vaapiCase struct {
	name       string
	src        string // the launch line of the gst source both sides read
	hw, sw     func() ([]stage.Transform[frame.Video, frame.Video], error)
	launch     string // gst-launch-1.0 doing the hardware side's work
	dev        string // the va element the launch line needs
	zeroCopies bool   // the hardware side must copy no frame bytes
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
	d, ok, err := usableDevice()
	if err != nil || !ok {
		return err
	}
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
	defer func() { _ = os.RemoveAll(dir) }() // a leftover temporary input is harmless
	input := filepath.Join(dir, "in.mp4")
	if out, err := exec.Command("ffmpeg", "-v", "error", "-f", "lavfi", "-i",
		"testsrc2=size=1920x1080:rate=30,format=yuv420p", "-frames:v", fmt.Sprint(*frames),
		"-c:v", "libx264", "-preset", "veryfast", input).CombinedOutput(); err != nil {
		return fmt.Errorf("ffmpeg making the input: %w\n%s", err, out)
	}
	fmt.Printf("# %d frames per case, wall time, median of %d runs; hw and sw in this process, gst-launch-1.0 as a child\n", *frames, *runs)
	for _, c := range vaapiCases(d, input, *frames) {
		if !gst.HasElement(c.dev) {
			fmt.Printf("%s: skipped: the device has no %s\n", c.name, c.dev)
			continue
		}
		if err := c.compare(*frames, *runs); err != nil {
			return err
		}
	}
	return nil
}

// usableDevice returns the first VA-API device that opens, printing why
// the others do not; with none it says so and reports false.
func usableDevice() (vaapi.Device, bool, error) {
	devs, err := vaapi.Devices()
	if err != nil {
		return vaapi.Device{}, false, err
	}
	for _, d := range devs {
		if d.Err == nil {
			return d, true, nil
		}
		fmt.Printf("# %s: %v\n", d.Path, d.Err)
	}
	fmt.Println("vaapi: no usable VA-API device (no /dev/dri/renderD* with a driver): nothing compared; the software stages' figures are in `go run ./bench gst`")
	return vaapi.Device{}, false, nil
}

// vaapiCases are the comparisons on device d: decoding input (an H.264
// MP4), encoding raw 1080p frames, and transcoding input to 720p.
func vaapiCases(d vaapi.Device, input string, frames int) []vaapiCase {
	demux := "filesrc location=" + input + " ! qtdemux ! h264parse"
	raw := fmt.Sprintf("videotestsrc num-buffers=%d pattern=ball ! video/x-raw,format=NV12,width=1920,height=1080,framerate=30/1", frames)
	dec, pp, enc := d.ElementName("h264dec"), d.ElementName("postproc"), d.ElementName("h264enc")
	hwDecoder := func() (stage.Transform[frame.Video, frame.Video], error) {
		return vaapi.NewDecoder(vaapi.DecoderConfig{Codec: frame.H264, Device: d.Path})
	}
	hwEncoder := func(bitrate int) (stage.Transform[frame.Video, frame.Video], error) {
		return vaapi.NewEncoder(vaapi.EncoderConfig{Codec: frame.H264, Device: d.Path, Bitrate: bitrate, RateControl: "cbr"})
	}
	hwScaler := func() (stage.Transform[frame.Video, frame.Video], error) {
		return vaapi.NewScaler(vaapi.ScalerConfig{Width: 1280, Height: 720, Device: d.Path})
	}
	swDecoder := func() (stage.Transform[frame.Video, frame.Video], error) {
		return gst.NewVideoDecoder(gst.DecoderConfig{Codec: frame.H264, Element: "avdec_h264"})
	}
	swEncoder := func(bitrate int) (stage.Transform[frame.Video, frame.Video], error) {
		return gst.NewVideoEncoder(gst.EncoderConfig{Codec: frame.H264, Element: "x264enc", Preset: "veryfast", Bitrate: bitrate})
	}
	swScaler := func() (stage.Transform[frame.Video, frame.Video], error) {
		return gst.NewTransform[frame.Video, frame.Video]("videoscale ! video/x-raw,width=1280,height=720"), nil
	}
	return []vaapiCase{{
		name: "vaapi-decode-h264-1080p", src: demux,
		hw: chain(hwDecoder), sw: chain(swDecoder),
		launch: demux + " ! " + dec + " ! fakesink", dev: dec, zeroCopies: true,
	}, {
		name: "vaapi-encode-h264-1080p", src: raw,
		hw: chain(bitrate(hwEncoder, 8_000_000)), sw: chain(bitrate(swEncoder, 8_000_000)),
		launch: raw + " ! " + enc + " ! fakesink", dev: enc,
	}, {
		name: "vaapi-transcode-h264-1080p-to-720p", src: demux,
		hw:     chain(hwDecoder, hwScaler, bitrate(hwEncoder, 4_000_000)),
		sw:     chain(swDecoder, swScaler, bitrate(swEncoder, 4_000_000)),
		launch: demux + " ! " + dec + " ! " + pp + " ! video/x-raw(memory:VAMemory),width=1280,height=720 ! " + enc + " ! fakesink",
		dev:    enc, zeroCopies: true,
	}}
}

// transformMaker makes one stage of a side.
type transformMaker = func() (stage.Transform[frame.Video, frame.Video], error)

// bitrate binds an encoder maker to a bit rate.
func bitrate(mk func(int) (stage.Transform[frame.Video, frame.Video], error), bps int) transformMaker {
	return func() (stage.Transform[frame.Video, frame.Video], error) { return mk(bps) }
}

// chain makes the stages of a side in order; the first error stops it.
func chain(makers ...transformMaker) func() ([]stage.Transform[frame.Video, frame.Video], error) {
	return func() ([]stage.Transform[frame.Video, frame.Video], error) {
		var out []stage.Transform[frame.Video, frame.Video]
		for _, mk := range makers {
			t, err := mk()
			if err != nil {
				return nil, err
			}
			out = append(out, t)
		}
		return out, nil
	}
}

// graph returns a builder of the graph that runs the stages side makes
// between c's source and a null sink.
func (c vaapiCase) graph(side func() ([]stage.Transform[frame.Video, frame.Video], error)) func() (*stream.Graph, error) {
	return func() (*stream.Graph, error) {
		via, err := side()
		if err != nil {
			return nil, err
		}
		return stream.Connect(gst.NewSource[frame.Video](c.src), via, &stage.Null[frame.Video]{}), nil
	}
}

// compare times runs of each side of c and of gst-launch-1.0 and prints
// the medians; a hardware side that should copy nothing and did is an
// error.
func (c vaapiCase) compare(frames, runs int) error {
	var hwT, swT, launchT []float64
	var copied int64
	for range runs {
		t, cp, err := timeGraph(c.graph(c.hw))
		if err != nil {
			return fmt.Errorf("%s: ours-hw: %w", c.name, err)
		}
		hwT, copied = append(hwT, t), max(copied, cp)
		if t, _, err = timeGraph(c.graph(c.sw)); err != nil {
			return fmt.Errorf("%s: ours-sw: %w", c.name, err)
		}
		swT = append(swT, t)
		t, _, out, err := timeProcess("gst-launch-1.0", append([]string{"-q"}, strings.Fields(c.launch)...)...)
		if err != nil {
			return fmt.Errorf("%s: gst-launch: %w\n%s", c.name, err, out)
		}
		launchT = append(launchT, t)
	}
	hw, sw, gl := float64(frames)/median(hwT), float64(frames)/median(swT), float64(frames)/median(launchT)
	fmt.Printf("%s: hardware %.1f fps, software %.1f fps, ratio %.2f (bytes copied to CPU per frame: %d)\n",
		c.name, hw, sw, hw/sw, copied/int64(frames))
	report(c.name+"-vs-gst-launch", hw, gl, "fps", "")
	if c.zeroCopies && copied != 0 {
		return fmt.Errorf("%s: the hardware path copied %d bytes to CPU memory", c.name, copied)
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
