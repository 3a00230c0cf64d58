// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package conformance

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// PSNR returns the PSNR in dB of every decoded video frame of test against
// the frame of ref with the same index: frame n against frame n, whatever
// their timestamps. The value is ffmpeg's psnr_avg (the mean squared error
// averaged over the planes, weighted by their sizes); identical frames give
// +Inf. The frames must have the same dimensions.
//
// It returns an error if the two files decode to different frame counts.
func PSNR(ctx context.Context, ref, test string) ([]float64, error) {
	nr, err := countFrames(ctx, ref)
	if err != nil {
		return nil, fmt.Errorf("psnr: %w", err)
	}
	nt, err := countFrames(ctx, test)
	if err != nil {
		return nil, fmt.Errorf("psnr: %w", err)
	}
	// setpts=N/TB puts frame n at n seconds in both inputs, so the psnr
	// filter pairs frames by index whatever the time bases.
	out, err := run(ctx, ffmpeg, "-nostdin", "-v", "error", "-i", test, "-i", ref,
		"-lavfi", "[0:v:0]setpts=N/TB[a];[1:v:0]setpts=N/TB[b];[a][b]psnr=stats_file=-",
		"-f", "null", "-")
	if err != nil {
		return nil, fmt.Errorf("psnr of %s against %s: %w", test, ref, err)
	}
	vals, err := parsePSNR(out)
	if err != nil {
		return nil, fmt.Errorf("psnr of %s against %s: %w", test, ref, err)
	}
	if nt != nr {
		return vals, fmt.Errorf("psnr of %s against %s: %d frames, want %d", test, ref, nt, nr)
	}
	if len(vals) != nr {
		return vals, fmt.Errorf("psnr of %s against %s: %d psnr values for %d frames", test, ref, len(vals), nr)
	}
	return vals, nil
}

// countFrames returns the number of decoded frames of the first video
// stream of path.
func countFrames(ctx context.Context, path string) (int, error) {
	out, err := run(ctx, ffprobe, "-v", "error", "-select_streams", "v:0", "-count_frames",
		"-show_entries", "stream=nb_read_frames", "-of", "csv=p=0", path)
	if err != nil {
		return 0, fmt.Errorf("counting frames of %s: %w", path, err)
	}
	// MPEG-TS lists the stream under its program too: the first line.
	s, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil {
		return 0, fmt.Errorf("counting frames of %s: no video stream (ffprobe said %q)", path, s)
	}
	return n, nil
}

// parsePSNR parses the psnr filter's stats lines
// ("n:1 mse_avg:... psnr_avg:41.20 ...").
func parsePSNR(out []byte) ([]float64, error) {
	var vals []float64
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		found := false
		for _, f := range strings.Fields(line) {
			v, ok := strings.CutPrefix(f, "psnr_avg:")
			if !ok {
				continue
			}
			found = true
			if v == "inf" {
				vals = append(vals, math.Inf(1))
				break
			}
			x, err := strconv.ParseFloat(v, 64)
			if err != nil {
				return nil, fmt.Errorf("bad psnr line %q", line)
			}
			vals = append(vals, x)
			break
		}
		if !found {
			return nil, fmt.Errorf("bad psnr line %q", line)
		}
	}
	return vals, sc.Err()
}

// CheckAligned returns nil if every value of psnr is at least floor dB, and
// otherwise an error naming the first frame below it. A frame shifted,
// dropped or repeated in a video with motion falls far below the PSNR of
// an ordinary encode (measured with testsrc2 at 320x240: about 25 dB
// against 45 dB and more), so 30 dB separates them.
func CheckAligned(psnr []float64, floor float64) error {
	bad, first := 0, -1
	for i, v := range psnr {
		if !(v >= floor) { // NaN fails too
			if first < 0 {
				first = i
			}
			bad++
		}
	}
	if bad == 0 {
		return nil
	}
	return fmt.Errorf("psnr: frame %d is %.2f dB, below %.2f dB (%d of %d frames below)",
		first, psnr[first], floor, bad, len(psnr))
}
