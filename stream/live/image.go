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
	if err := previewable(v); err != nil {
		return nil, err
	}
	r, err := rawOf(ctx, v)
	if err != nil {
		return nil, err
	}
	r.k = shrinkFactor(v.Width, maxWidth)
	switch v.Format {
	case frame.I420, frame.I422, frame.I444:
		return r.planarYUV(v.Format), nil
	case frame.NV12:
		return r.nv12(), nil
	case frame.YUY2:
		return r.yuy2(), nil
	case frame.RGBA, frame.BGRA:
		return r.rgba(v.Format == frame.BGRA), nil
	case frame.GRAY8:
		return r.gray(), nil
	}
	return nil, fmt.Errorf("%w: %v frames are not previewed", errNotShown, v.Format)
}

// previewable refuses, with the reason, a frame a preview cannot show
// without reading its planes.
func previewable(v frame.Video) error {
	switch {
	case v.Data == nil:
		return fmt.Errorf("%w: a frame without data", errNotShown)
	case v.Format.IsEncoded():
		return fmt.Errorf("%w: %v frames are encoded; preview a link of raw frames (after a decoder)", errNotShown, v.Format)
	case v.Format.Planes() == 0:
		return fmt.Errorf("%w: %v is not a raw video format", errNotShown, v.Format)
	}
	switch loc := v.Data.Location(); loc {
	case frame.CPU, frame.Mapped:
	default:
		return fmt.Errorf("%w: frames in %v memory are not downloaded for a preview", errNotShown, loc)
	}
	if v.Width <= 0 || v.Height <= 0 {
		return fmt.Errorf("%w: a frame of %dx%d", errNotShown, v.Width, v.Height)
	}
	return nil
}

// raw is a raw frame's planes, checked against its size, and the factor
// k it is shrunk by.
type raw struct {
	planes  [][]byte
	strides [4]int
	w, h, k int
}

// rawOf reads v's planes and checks that each holds its rows.
func rawOf(ctx context.Context, v frame.Video) (raw, error) {
	w, h := v.Width, v.Height
	planes, err := v.Planes(ctx)
	if err != nil {
		return raw{}, fmt.Errorf("live: preview: %w", err)
	}
	strides, _ := v.Format.Layout(w, h)
	for i := range v.Format.Planes() {
		if v.Strides[i] > 0 {
			strides[i] = v.Strides[i]
		}
		rows := v.Format.PlaneRows(i, h)
		if i >= len(planes) || len(planes[i]) < strides[i]*(rows-1)+minRow(v.Format, i, w) {
			return raw{}, fmt.Errorf("%w: %v %dx%d: plane %d is too short", errNotShown, v.Format, w, h, i)
		}
	}
	return raw{planes: planes, strides: strides, w: w, h: h, k: 1}, nil
}

// minRow is the bytes the last row of plane i holds.
func minRow(f frame.Format, i, width int) int {
	_, sizes := f.Layout(width, 1)
	if i > 0 && (f == frame.I420 || f == frame.NV12) {
		_, sizes = f.Layout(width, 2) // one chroma row for two luma rows
	}
	return sizes[i]
}

// bounds is the rectangle of the shrunk image.
func (r raw) bounds() image.Rectangle {
	return image.Rect(0, 0, (r.w+r.k-1)/r.k, (r.h+r.k-1)/r.k)
}

// sample copies every k-th byte of every k-th row of plane 0 to dst, one
// byte a pixel: the luma of YUV formats, or GRAY8.
func (r raw) sample(dst []byte, stride int) {
	b := r.bounds()
	for y := range b.Dy() {
		for x := range b.Dx() {
			dst[y*stride+x] = r.planes[0][y*r.k*r.strides[0]+x*r.k]
		}
	}
}

// planarYUV returns an I420, I422 or I444 frame as an image: its planes
// themselves at full size when the chroma planes share a stride.
func (r raw) planarYUV(f frame.Format) *image.YCbCr {
	ratio, cx, cy := image.YCbCrSubsampleRatio444, 1, 1 // chroma subsampling
	switch f {
	case frame.I420:
		ratio, cx, cy = image.YCbCrSubsampleRatio420, 2, 2
	case frame.I422:
		ratio, cx = image.YCbCrSubsampleRatio422, 2
	}
	if r.k == 1 && r.strides[1] == r.strides[2] {
		return &image.YCbCr{Y: r.planes[0], Cb: r.planes[1], Cr: r.planes[2], YStride: r.strides[0], CStride: r.strides[1],
			SubsampleRatio: ratio, Rect: image.Rect(0, 0, r.w, r.h)}
	}
	img := image.NewYCbCr(r.bounds(), ratio)
	r.sample(img.Y, img.YStride)
	ow, oh := img.Rect.Dx(), img.Rect.Dy()
	for y := range (oh + cy - 1) / cy {
		for x := range (ow + cx - 1) / cx {
			// The chroma sample of the luma pixel this one stands for.
			sx, sy := x*cx*r.k/cx, y*cy*r.k/cy
			img.Cb[y*img.CStride+x] = r.planes[1][sy*r.strides[1]+sx]
			img.Cr[y*img.CStride+x] = r.planes[2][sy*r.strides[2]+sx]
		}
	}
	return img
}

// nv12 converts an NV12 frame: its chroma plane interleaves U and V.
func (r raw) nv12() *image.YCbCr {
	img := image.NewYCbCr(r.bounds(), image.YCbCrSubsampleRatio420)
	r.sample(img.Y, img.YStride)
	ow, oh := img.Rect.Dx(), img.Rect.Dy()
	for y := range (oh + 1) / 2 {
		for x := range (ow + 1) / 2 {
			o := y*r.k*r.strides[1] + 2*(x*r.k)
			img.Cb[y*img.CStride+x] = r.planes[1][o]
			img.Cr[y*img.CStride+x] = r.planes[1][o+1]
		}
	}
	return img
}

// yuy2 converts a YUY2 frame: one plane of Y0 U Y1 V groups.
func (r raw) yuy2() *image.YCbCr {
	img := image.NewYCbCr(r.bounds(), image.YCbCrSubsampleRatio422)
	ow, oh := img.Rect.Dx(), img.Rect.Dy()
	for y := range oh {
		row := r.planes[0][y*r.k*r.strides[0]:]
		for x := range ow {
			img.Y[y*img.YStride+x] = row[2*(x*r.k)]
		}
		for x := range (ow + 1) / 2 {
			o := 4 * (x * r.k) // the Y0 U Y1 V group of luma pixel 2*x*k
			img.Cb[y*img.CStride+x] = row[o+1]
			img.Cr[y*img.CStride+x] = row[o+3]
		}
	}
	return img
}

// rgba returns an RGBA frame as an image (its plane itself at full size),
// or converts a BGRA one (bgr); alpha is dropped.
func (r raw) rgba(bgr bool) *image.RGBA {
	if r.k == 1 && !bgr {
		return &image.RGBA{Pix: r.planes[0], Stride: r.strides[0], Rect: image.Rect(0, 0, r.w, r.h)}
	}
	img := image.NewRGBA(r.bounds())
	for y := range img.Rect.Dy() {
		for x := range img.Rect.Dx() {
			src := r.planes[0][y*r.k*r.strides[0]+4*x*r.k:]
			dst := img.Pix[y*img.Stride+4*x:]
			if bgr {
				dst[0], dst[1], dst[2] = src[2], src[1], src[0]
			} else {
				dst[0], dst[1], dst[2] = src[0], src[1], src[2]
			}
			dst[3] = 255
		}
	}
	return img
}

// gray returns a GRAY8 frame as an image: its plane itself at full size.
func (r raw) gray() *image.Gray {
	if r.k == 1 {
		return &image.Gray{Pix: r.planes[0], Stride: r.strides[0], Rect: image.Rect(0, 0, r.w, r.h)}
	}
	img := image.NewGray(r.bounds())
	r.sample(img.Pix, img.Stride)
	return img
}
