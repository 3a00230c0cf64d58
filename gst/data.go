// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"fmt"
	"runtime"
	"runtime/cgo"
	"sync"
	"unsafe"

	"github.com/spinorml/streamer/frame"
)

// FrameData is a frame.Data holding one reference to a GstBuffer. Frames from
// gst stages carry it; a gst stage that receives one pushes the same buffer
// on, so GStreamer-to-GStreamer hops copy nothing.
//
// Planes maps the buffer for reading on first use (no copy for system
// memory; GPU memory may be downloaded by GStreamer, and that is counted by
// frame.CopiedBytes) and keeps it mapped until the last Release, which
// unmaps and unrefs the buffer at once. The views are read-only: the buffer
// may be shared with other elements.
type FrameData struct {
	ref     frame.RefCount
	buf     *C.GstBuffer
	ci      *capsInfo
	size    int
	memKind int
	samples int // audio: samples per channel, for planar views

	mu      sync.Mutex
	mapped  bool
	info    C.GstMapInfo
	planes  [4][]byte
	nplanes int
	extra   [][]byte // planar audio with more than 4 channels
}

var dataPool frame.HandlePool[FrameData] //nolint:gochecknoglobals // handles are reused across every pipeline of the process

// newFrameData takes over the caller's reference to buf.
func newFrameData(buf *C.GstBuffer, ci *capsInfo, bi *C.streamer_buffer_info) *FrameData {
	d := dataPool.Get()
	d.buf, d.ci, d.size, d.memKind = buf, ci, int(bi.size), int(bi.memory_kind)
	d.ref.Init()
	return d
}

// Retain adds one owner.
func (d *FrameData) Retain() { d.ref.Inc() }

// Release drops one owner; the last unmaps and unrefs the GstBuffer.
func (d *FrameData) Release() {
	if !d.ref.Dec() {
		return
	}
	if d.mapped {
		C.streamer_buffer_unmap(d.buf, &d.info)
	}
	C.gst_buffer_unref(d.buf)
	dataPool.Put(d)
}

// Location says what kind of memory holds the buffer: Mapped for system
// memory, or the device memory a GPU element gave it.
func (d *FrameData) Location() frame.Location {
	switch d.memKind {
	case C.STREAMER_MEMORY_VA:
		return frame.VASurface
	case C.STREAMER_MEMORY_DMABUF:
		return frame.DMABuf
	case C.STREAMER_MEMORY_CUDA:
		return frame.CUDA
	}
	return frame.Mapped
}

// Size returns the buffer's size in bytes.
func (d *FrameData) Size() int { return d.size }

// Planes maps the buffer and returns a view per plane.
func (d *FrameData) Planes(ctx context.Context) ([][]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.mapped {
		return d.views(), nil
	}
	if C.streamer_buffer_map(d.buf, &d.info) == 0 {
		return nil, fmt.Errorf("gst: cannot map a %d-byte buffer of %s for reading", d.size, d.ci.str)
	}
	d.mapped = true
	if d.memKind == 1 || d.memKind >= 3 {
		frame.CountCopy(d.size) // GPU memory: mapping downloads it
	}
	all := unsafe.Slice((*byte)(unsafe.Pointer(d.info.data)), int(d.info.size))
	ci := d.ci
	switch {
	case ci.nplanes > 0: // raw video
		offsets, strides, n := ci.offsets, ci.strides, ci.nplanes
		var mo [4]C.gsize
		var ms [4]C.int
		if k := int(C.streamer_video_meta(d.buf, &mo[0], &ms[0])); k > 0 {
			n = k
			for i := range 4 {
				offsets[i], strides[i] = int(mo[i]), int(ms[i])
			}
		}
		for i := range n {
			end := min(offsets[i]+strides[i]*ci.format.PlaneRows(i, ci.height), len(all))
			if offsets[i] > end {
				return nil, fmt.Errorf("gst: plane %d of a %d-byte buffer starts at %d", i, len(all), offsets[i])
			}
			d.planes[i] = all[offsets[i]:end:end]
		}
		d.nplanes = n
	case ci.format.IsPlanarAudio() && ci.channels > 1:
		var mo [64]C.gsize
		n := int(C.streamer_audio_meta(d.buf, &mo[0], 64))
		per := d.samples * ci.format.SampleSize()
		if n == 0 { // no meta: channels are packed one after another
			n = ci.channels
			per = len(all) / n
			for i := range n {
				mo[i] = C.gsize(i * per)
			}
		}
		d.extra = make([][]byte, n)
		for i := range n {
			start := min(int(mo[i]), len(all))
			end := min(start+per, len(all))
			d.extra[i] = all[start:end:end]
		}
	default:
		d.planes[0] = all
		d.nplanes = 1
	}
	return d.views(), nil
}

func (d *FrameData) views() [][]byte {
	if d.extra != nil {
		return d.extra
	}
	return d.planes[:d.nplanes]
}

// wrapped keeps a frame's CPU memory alive and pinned while GStreamer reads
// it; GStreamer's destroy notify releases it.
type wrapped struct {
	data frame.Data
	pin  runtime.Pinner
}

//export streamerReleaseWrapped
func streamerReleaseWrapped(h C.uintptr_t) {
	handle := cgo.Handle(h)
	w := handle.Value().(*wrapped)
	handle.Delete()
	w.pin.Unpin()
	w.data.Release()
}

// layout is where raw video planes sit in a GstBuffer: GStreamer's default
// for the caps, or an explicit one carried in video meta.
type layout struct {
	format        string // GStreamer's format name
	width, height int
	nplanes       int
	offsets       [4]int
	strides       [4]int
	size          int
}

// toBuffer turns the caller's reference to d into a GstBuffer reference for
// gst_app_src_push_buffer. A gst buffer is passed on as it is. CPU bytes are
// wrapped without a copy when one block of memory holds them (raw video
// planes described by video meta when their layout is not GStreamer's
// default), and copied once, counted, when it does not.
func toBuffer(ctx context.Context, d frame.Data, raw *layout, strides [4]int, rows func(int) int) (*C.GstBuffer, error) {
	if fd, ok := d.(*FrameData); ok {
		buf := C.gst_buffer_ref(fd.buf)
		d.Release()
		return buf, nil
	}
	planes, err := d.Planes(ctx)
	if err != nil {
		d.Release()
		return nil, fmt.Errorf("gst: frame bytes: %w", err)
	}
	if len(planes) == 0 || len(planes[0]) == 0 {
		d.Release()
		return nil, fmt.Errorf("gst: frame has no bytes")
	}
	base := uintptr(unsafe.Pointer(&planes[0][0]))
	if raw == nil || len(planes) == 1 && raw.nplanes == 1 && strides[0] == raw.strides[0] {
		if len(planes) != 1 {
			d.Release()
			return nil, fmt.Errorf("gst: %d planes where one is expected (planar audio from CPU memory is not supported: send interleaved samples)", len(planes))
		}
		return wrap(d, planes[0], len(planes[0])), nil
	}
	// Raw video: one block with the planes in order?
	var offsets [4]int
	contiguous := len(planes) == raw.nplanes
	for i := 0; contiguous && i < len(planes); i++ {
		if len(planes[i]) == 0 {
			contiguous = false
			break
		}
		// Back to back, as a pool cuts them from one allocation: then the
		// span holds nothing but the planes.
		offsets[i] = int(uintptr(unsafe.Pointer(&planes[i][0])) - base)
		contiguous = i == 0 || offsets[i] == offsets[i-1]+len(planes[i-1])
	}
	if contiguous {
		end := offsets[len(planes)-1] + len(planes[len(planes)-1])
		buf := wrap(d, planes[0][:1], end)
		if offsets != raw.offsets || strides != raw.strides {
			cf := C.CString(raw.format)
			var co [4]C.gsize
			var cs [4]C.int
			for i := range 4 {
				co[i], cs[i] = C.gsize(offsets[i]), C.int(strides[i])
			}
			C.streamer_add_video_meta(buf, cf, C.int(raw.width), C.int(raw.height), C.int(raw.nplanes), &co[0], &cs[0])
			C.free(unsafe.Pointer(cf))
		}
		return buf, nil
	}
	// Copy once into GStreamer's default layout, row by row.
	var info C.GstMapInfo
	buf := C.streamer_buffer_new_mapped(C.gsize(raw.size), &info)
	if buf == nil {
		d.Release()
		return nil, fmt.Errorf("gst: cannot allocate a %d-byte buffer", raw.size)
	}
	dst := unsafe.Slice((*byte)(unsafe.Pointer(info.data)), raw.size)
	for i := 0; i < raw.nplanes && i < len(planes); i++ {
		n := min(strides[i], raw.strides[i])
		for r := range rows(i) {
			so, do := r*strides[i], raw.offsets[i]+r*raw.strides[i]
			if so+n > len(planes[i]) || do+n > len(dst) {
				break
			}
			copy(dst[do:do+n], planes[i][so:so+n])
		}
	}
	C.streamer_buffer_unmap(buf, &info)
	frame.CountCopy(raw.size)
	d.Release()
	return buf, nil
}

// planarAudioBuffer makes a non-interleaved audio buffer (planes described
// by a GstAudioMeta, as GStreamer requires) from CPU planes: wrapped without
// a copy when the planes lie back to back in one block, as a pool cuts them,
// else copied once into one block (counted by frame.CopiedBytes). It takes
// f's reference.
func planarAudioBuffer(ctx context.Context, f facts) (*C.GstBuffer, error) {
	d := f.data
	planes, err := d.Planes(ctx)
	if err != nil {
		d.Release()
		return nil, fmt.Errorf("gst: audio bytes: %w", err)
	}
	per := f.samples * f.format.SampleSize()
	if f.channels <= 0 || len(planes) != f.channels || per <= 0 {
		d.Release()
		return nil, fmt.Errorf("gst: planar %v audio with %d planes, %d channels and %d samples: want one plane of samples per channel", f.format, len(planes), f.channels, f.samples)
	}
	for i, p := range planes {
		if len(p) < per {
			d.Release()
			return nil, fmt.Errorf("gst: planar audio plane %d has %d bytes, want %d (%d samples)", i, len(p), per, f.samples)
		}
	}
	name := rawAudio[f.format]
	cf := C.CString(name)
	defer C.free(unsafe.Pointer(cf))
	size := per * f.channels
	base := uintptr(unsafe.Pointer(&planes[0][0]))
	// One block, as a pool cuts planes from one allocation: the planes lie
	// back to back and the first plane's capacity spans them all, so the
	// one pinned pointer covers every byte C will read.
	together := cap(planes[0]) >= size
	for i := 1; i < len(planes) && together; i++ {
		together = uintptr(unsafe.Pointer(&planes[i][0])) == base+uintptr(i*per)
	}
	var buf *C.GstBuffer
	if together {
		buf = wrap(d, planes[0][:1], size)
	} else {
		var info C.GstMapInfo
		buf = C.streamer_buffer_new_mapped(C.gsize(size), &info)
		if buf == nil {
			d.Release()
			return nil, fmt.Errorf("gst: cannot allocate a %d-byte buffer", size)
		}
		dst := unsafe.Slice((*byte)(unsafe.Pointer(info.data)), size)
		for i, p := range planes {
			copy(dst[i*per:(i+1)*per], p[:per])
		}
		C.streamer_buffer_unmap(buf, &info)
		frame.CountCopy(size)
		d.Release()
	}
	C.streamer_add_audio_meta(buf, cf, C.int(f.rate), C.int(f.channels), C.int(f.samples), nil)
	return buf, nil
}

// wrap makes a GstBuffer over size bytes starting at first[0], keeping d
// (and the caller's reference) until GStreamer is done with it.
func wrap(d frame.Data, first []byte, size int) *C.GstBuffer {
	w := &wrapped{data: d}
	w.pin.Pin(&first[0])
	h := cgo.NewHandle(w)
	return C.streamer_wrap(C.gpointer(unsafe.Pointer(&first[0])), C.gsize(size), C.uintptr_t(h))
}
