// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live

import (
	"context"
	"fmt"
	"image"

	"github.com/spinorml/streamer/frame"
)

// toImage views a raw CPU video frame as an image no wider than maxWidth
// (shrunk by a whole factor, keeping every k-th pixel). I420, I422, I444,
// GRAY8 and RGBA frames at full size are wrapped without a copy; NV12,
// YUY2 and BGRA are converted. Encoded frames, frames outside CPU memory
// (a GPU surface would be downloaded) and frames whose planes do not match
// their size are refused with the reason.
func toImage(ctx context.Context, v frame.Video, maxWidth int) (image.Image, error) {
	switch {
	case v.Data == nil:
		return nil, fmt.Errorf("%w: a frame without data", errNotShown)
	case v.Format.IsEncoded():
		return nil, fmt.Errorf("%w: %v frames are encoded; preview a link of raw frames (after a decoder)", errNotShown, v.Format)
	case v.Format.Planes() == 0:
		return nil, fmt.Errorf("%w: %v is not a raw video format", errNotShown, v.Format)
	}
	switch loc := v.Data.Location(); loc {
	case frame.CPU, frame.GStreamer, frame.FFmpeg:
	default:
		return nil, fmt.Errorf("%w: frames in %v memory are not downloaded for a preview", errNotShown, loc)
	}
	w, h := v.Width, v.Height
	if w <= 0 || h <= 0 {
		return nil, fmt.Errorf("%w: a frame of %dx%d", errNotShown, w, h)
	}
	planes, err := v.Planes(ctx)
	if err != nil {
		return nil, fmt.Errorf("live: preview: %w", err)
	}
	strides, _ := v.Format.Layout(w, h)
	for i := range v.Format.Planes() {
		if v.Strides[i] > 0 {
			strides[i] = v.Strides[i]
		}
		rows := v.Format.PlaneRows(i, h)
		if i >= len(planes) || len(planes[i]) < strides[i]*(rows-1)+minRow(v.Format, i, w) {
			return nil, fmt.Errorf("%w: %v %dx%d: plane %d is too short", errNotShown, v.Format, w, h, i)
		}
	}
	k := shrinkFactor(w, maxWidth)
	ow, oh := (w+k-1)/k, (h+k-1)/k
	switch v.Format {
	case frame.I420, frame.I422, frame.I444:
		ratio := map[frame.Format]image.YCbCrSubsampleRatio{
			frame.I420: image.YCbCrSubsampleRatio420, frame.I422: image.YCbCrSubsampleRatio422, frame.I444: image.YCbCrSubsampleRatio444,
		}[v.Format]
		if k == 1 && strides[1] == strides[2] {
			return &image.YCbCr{Y: planes[0], Cb: planes[1], Cr: planes[2], YStride: strides[0], CStride: strides[1],
				SubsampleRatio: ratio, Rect: image.Rect(0, 0, w, h)}, nil
		}
		img := image.NewYCbCr(image.Rect(0, 0, ow, oh), ratio)
		cx, cy := 1, 1 // chroma subsampling
		if v.Format != frame.I444 {
			cx = 2
		}
		if v.Format == frame.I420 {
			cy = 2
		}
		for y := range oh {
			for x := range ow {
				img.Y[y*img.YStride+x] = planes[0][y*k*strides[0]+x*k]
			}
		}
		for y := range (oh + cy - 1) / cy {
			for x := range (ow + cx - 1) / cx {
				// The chroma sample of the luma pixel this one stands for.
				sx, sy := x*cx*k/cx, y*cy*k/cy
				img.Cb[y*img.CStride+x] = planes[1][sy*strides[1]+sx]
				img.Cr[y*img.CStride+x] = planes[2][sy*strides[2]+sx]
			}
		}
		return img, nil
	case frame.NV12:
		img := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio420)
		for y := range oh {
			for x := range ow {
				img.Y[y*img.YStride+x] = planes[0][y*k*strides[0]+x*k]
			}
		}
		for y := range (oh + 1) / 2 {
			for x := range (ow + 1) / 2 {
				o := y*k*strides[1] + 2*(x*k)
				img.Cb[y*img.CStride+x] = planes[1][o]
				img.Cr[y*img.CStride+x] = planes[1][o+1]
			}
		}
		return img, nil
	case frame.YUY2:
		img := image.NewYCbCr(image.Rect(0, 0, ow, oh), image.YCbCrSubsampleRatio422)
		for y := range oh {
			row := planes[0][y*k*strides[0]:]
			for x := range ow {
				img.Y[y*img.YStride+x] = row[2*(x*k)]
			}
			for x := range (ow + 1) / 2 {
				o := 4 * (x * k) // the Y0 U Y1 V group of luma pixel 2*x*k
				img.Cb[y*img.CStride+x] = row[o+1]
				img.Cr[y*img.CStride+x] = row[o+3]
			}
		}
		return img, nil
	case frame.RGBA, frame.BGRA:
		if k == 1 && v.Format == frame.RGBA {
			return &image.RGBA{Pix: planes[0], Stride: strides[0], Rect: image.Rect(0, 0, w, h)}, nil
		}
		img := image.NewRGBA(image.Rect(0, 0, ow, oh))
		for y := range oh {
			for x := range ow {
				src := planes[0][y*k*strides[0]+4*x*k:]
				dst := img.Pix[y*img.Stride+4*x:]
				if v.Format == frame.BGRA {
					dst[0], dst[1], dst[2] = src[2], src[1], src[0]
				} else {
					dst[0], dst[1], dst[2] = src[0], src[1], src[2]
				}
				dst[3] = 255
			}
		}
		return img, nil
	case frame.GRAY8:
		if k == 1 {
			return &image.Gray{Pix: planes[0], Stride: strides[0], Rect: image.Rect(0, 0, w, h)}, nil
		}
		img := image.NewGray(image.Rect(0, 0, ow, oh))
		for y := range oh {
			for x := range ow {
				img.Pix[y*img.Stride+x] = planes[0][y*k*strides[0]+x*k]
			}
		}
		return img, nil
	}
	return nil, fmt.Errorf("%w: %v frames are not previewed", errNotShown, v.Format)
}

// minRow is the bytes the last row of plane i holds.
func minRow(f frame.Format, i, width int) int {
	_, sizes := f.Layout(width, 1)
	if i > 0 && (f == frame.I420 || f == frame.NV12) {
		_, sizes = f.Layout(width, 2) // one chroma row for two luma rows
	}
	return sizes[i]
}
