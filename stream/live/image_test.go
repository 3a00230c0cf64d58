// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live

import (
	"bytes"
	"context"
	"errors"
	"image"
	"image/color"
	"image/jpeg"
	"testing"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
)

// solid returns a frame of format f, w×h, every pixel one colour: (y, u,
// v) for YUV formats, (r, g, b) for RGB ones, y for GRAY8. Rows are padded
// by pad bytes, as decoders' frames often are.
func solid(f frame.Format, w, h, pad int, c [3]byte) frame.Video {
	strides, _ := f.Layout(w, h)
	planes := make([][]byte, f.Planes())
	for i := range planes {
		strides[i] += pad
		planes[i] = make([]byte, strides[i]*f.PlaneRows(i, h))
		for j := range planes[i] {
			switch {
			case f == frame.NV12 && i == 1:
				planes[i][j] = c[1+j%2]
			case f == frame.YUY2:
				planes[i][j] = [4]byte{c[0], c[1], c[0], c[2]}[j%4]
			case f == frame.RGBA:
				planes[i][j] = [4]byte{c[0], c[1], c[2], 255}[j%4]
			case f == frame.BGRA:
				planes[i][j] = [4]byte{c[2], c[1], c[0], 255}[j%4]
			default:
				planes[i][j] = c[i]
			}
		}
	}
	return frame.Video{Data: frame.NewBytes(planes...), Format: f, Width: w, Height: h, Strides: strides}
}

// Every raw format becomes a JPEG of the right size and colour, shrunk by
// a whole factor when wider than the bound.
func TestPreviewImageOfEveryRawFormat(t *testing.T) {
	frametest.NoLeaks(t)
	yuv := [3]byte{150, 80, 190}
	r, g, b := color.YCbCrToRGB(yuv[0], yuv[1], yuv[2])
	rgb := [3]byte{r, g, b}
	cases := []struct {
		f            frame.Format
		c            [3]byte
		w, h, pad    int
		maxW         int
		wantW, wantH int
	}{
		{frame.I420, yuv, 320, 240, 0, 640, 320, 240},
		{frame.I420, yuv, 33, 17, 5, 640, 33, 17},
		{frame.I420, yuv, 1280, 720, 0, 640, 640, 360},
		{frame.I420, yuv, 1921, 1081, 3, 640, 481, 271}, // a factor of 3 would be 641 wide
		{frame.I422, yuv, 64, 48, 0, 640, 64, 48},
		{frame.I444, yuv, 64, 48, 2, 30, 22, 16},
		{frame.NV12, yuv, 64, 48, 0, 640, 64, 48},
		{frame.NV12, yuv, 65, 49, 4, 32, 22, 17},
		{frame.YUY2, yuv, 64, 48, 0, 640, 64, 48},
		{frame.YUY2, yuv, 66, 48, 0, 20, 17, 12},
		{frame.RGBA, rgb, 64, 48, 0, 640, 64, 48},
		{frame.RGBA, rgb, 64, 48, 8, 32, 32, 24},
		{frame.BGRA, rgb, 64, 48, 0, 640, 64, 48},
		{frame.GRAY8, [3]byte{r}, 64, 48, 0, 640, 64, 48},
		{frame.GRAY8, [3]byte{r}, 64, 48, 1, 16, 16, 12},
	}
	for _, c := range cases {
		v := solid(c.f, c.w, c.h, c.pad, c.c)
		var buf bytes.Buffer
		err := encodeJPEG(context.Background(), &buf, v, c.maxW)
		v.Release()
		if err != nil {
			t.Errorf("%v %dx%d: %v", c.f, c.w, c.h, err)
			continue
		}
		img, err := jpeg.Decode(&buf)
		if err != nil {
			t.Fatalf("%v: decode: %v", c.f, err)
		}
		if got := img.Bounds().Size(); got != image.Pt(c.wantW, c.wantH) {
			t.Errorf("%v %dx%d bound %d: %v, want %dx%d", c.f, c.w, c.h, c.maxW, got, c.wantW, c.wantH)
		}
		want := rgb
		if c.f == frame.GRAY8 {
			want = [3]byte{r, r, r}
		}
		gr, gg, gb, _ := img.At(c.wantW/2, c.wantH/2).RGBA()
		for i, got := range []uint32{gr >> 8, gg >> 8, gb >> 8} {
			if d := int(got) - int(want[i]); d < -12 || d > 12 {
				t.Errorf("%v %dx%d: centre pixel %d %d %d, want about %v", c.f, c.w, c.h, gr>>8, gg>>8, gb>>8, want)
				break
			}
		}
	}
}

// onGPU is frame data that lives where a preview would have to download it.
type onGPU struct{ *frame.BytesData }

func (onGPU) Location() frame.Location { return frame.VASurface }

// Frames a preview cannot show are refused with the reason.
func TestPreviewRefusesWhatItCannotShow(t *testing.T) {
	frametest.NoLeaks(t)
	ok := solid(frame.I420, 16, 16, 0, [3]byte{1, 2, 3})
	short := solid(frame.I420, 16, 16, 0, [3]byte{1, 2, 3})
	short.Height = 32
	for _, c := range []struct {
		v    frame.Video
		want string
	}{
		{frame.Video{Data: frame.NewBytes([]byte{0, 0, 1}), Format: frame.H264, Width: 16, Height: 16}, "H264 frames are encoded"},
		{frame.Video{Data: onGPU{frame.NewBytes(make([]byte, 384))}, Format: frame.NV12, Width: 16, Height: 16}, "va-surface memory"},
		{short, "plane 0 is too short"},
		{frame.Video{Data: frame.NewBytes(nil), Format: frame.S16, Width: 16, Height: 16}, "not a raw video format"},
		{frame.Video{Format: frame.I420}, "without data"},
	} {
		_, err := toImage(context.Background(), c.v, 640)
		c.v.Release()
		if !errors.Is(err, errNotShown) || !bytes.Contains([]byte(err.Error()), []byte(c.want)) {
			t.Errorf("%v: %v, want %q", c.v, err, c.want)
		}
	}
	ok.Release()
}
