// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame

import (
	"context"
	"sync"
	"sync/atomic"
)

// Location says what kind of memory holds the bytes of a Data: whether
// the CPU reads them in place, after a map, or only after a download from
// a device. Which backend owns them is the Data's type.
type Location uint8

// The kinds of memory, host first.
const (
	CPU       Location = iota // host memory read in place: Go memory, or a C library's buffers (an AVFrame's)
	Mapped                    // host memory read once mapped (a GstBuffer's system memory): Planes maps it, copying nothing
	VASurface                 // a VA-API surface on the GPU
	DMABuf                    // a DMA buffer shared with a device
	CUDA                      // CUDA device memory
)

func (l Location) String() string {
	switch l {
	case CPU:
		return "cpu"
	case Mapped:
		return "mapped"
	case VASurface:
		return "va-surface"
	case DMABuf:
		return "dmabuf"
	case CUDA:
		return "cuda"
	}
	return "unknown"
}

// Data is a reference-counted handle to a frame's bytes, wherever they live.
//
// Ownership is transfer-full: whoever holds a frame owns one reference and
// either passes it on or calls Release. A holder that keeps a frame and also
// passes it on calls Retain first. Releasing the last reference frees the
// bytes (or returns them to their pool) at once, never later from the garbage
// collector. Retain or Release of a handle already freed panics.
type Data interface {
	// Retain adds one owner.
	Retain()
	// Release drops one owner; the last Release frees the bytes.
	Release()
	// Location says where the bytes live.
	Location() Location
	// Size returns the total bytes of all planes without mapping them.
	Size() int
	// Planes returns CPU views of the planes: one for packed pixels, encoded
	// data or interleaved audio; one per plane for planar video and audio.
	// The views are valid until the caller's reference is released. Memory
	// the CPU can read is never copied; other memory (GPU surfaces) is
	// mapped or downloaded, and what is copied is counted by CopiedBytes.
	Planes(ctx context.Context) ([][]byte, error)
}

// Counters every backend updates so tests and benchmarks can see leaks and
// copies. They are process-wide on purpose: a frame may cross any number of
// backends and graphs, and a leak is a leak wherever it happens.
var (
	liveHandles atomic.Int64 //nolint:gochecknoglobals // process-wide leak counter, see above
	copiedBytes atomic.Int64 //nolint:gochecknoglobals // process-wide copy counter, see above
)

// Live returns the number of Data handles allocated and not yet freed, in
// every backend. A finished run that leaked nothing leaves it where it was.
func Live() int64 { return liveHandles.Load() }

// CopiedBytes returns the total frame bytes copied by any backend since the
// process started: the price of crossing from one kind of memory to another.
func CopiedBytes() int64 { return copiedBytes.Load() }

// CountCopy adds n to CopiedBytes. Backends call it whenever they copy frame
// bytes (a download from the GPU, a cross-backend copy, a contiguous copy).
func CountCopy(n int) { copiedBytes.Add(int64(n)) }

// RefCount is the reference count behind a Data. Backends keep one in their
// handle type: Init when the handle is made, Inc on Retain, and Dec on Release,
// freeing the native memory when Dec reports the last reference. It maintains
// the Live counter and panics on a retain or release after the last release,
// which would otherwise free native memory twice.
type RefCount struct{ n atomic.Int32 }

// Init sets the count to one owner and counts the handle as live.
func (r *RefCount) Init() {
	r.n.Store(1)
	liveHandles.Add(1)
}

// Inc adds one owner. It panics if the handle was already freed.
func (r *RefCount) Inc() {
	if r.n.Add(1) <= 1 {
		r.n.Add(-1) // leave a freed handle freed
		panic("frame: Retain of a released Data")
	}
}

// Dec drops one owner and reports whether it was the last, in which case the
// caller frees the memory. It panics on a release of a released handle.
func (r *RefCount) Dec() (last bool) {
	switch n := r.n.Add(-1); {
	case n == 0:
		liveHandles.Add(-1)
		return true
	case n < 0:
		panic("frame: Release of a released Data (double release)")
	}
	return false
}

// Count returns the current number of owners (for tests and debugging).
func (r *RefCount) Count() int32 { return r.n.Load() }

// BytesData is a Data whose planes are CPU memory: Go slices, or C memory
// with a free function. Planes returns the slices themselves, never a copy.
type BytesData struct {
	ref    RefCount
	planes [][]byte
	size   int
	free   func()
	pool   *Pool
}

// NewBytes wraps planes as a Data with one owner, without copying. The
// caller must not change the slices while the Data is alive.
func NewBytes(planes ...[]byte) *BytesData { return NewBytesFunc(nil, planes...) }

// NewBytesFunc is NewBytes with a function called once when the last
// reference is released, for memory that must be given back (C memory, a
// buffer of another library).
func NewBytesFunc(free func(), planes ...[]byte) *BytesData {
	d := &BytesData{planes: planes, free: free}
	for _, p := range planes {
		d.size += len(p)
	}
	d.ref.Init()
	return d
}

// Retain adds one owner.
func (d *BytesData) Retain() { d.ref.Inc() }

// Release drops one owner; the last one calls the free function or returns
// the buffer to its pool.
func (d *BytesData) Release() {
	if !d.ref.Dec() {
		return
	}
	if d.free != nil {
		d.free()
	}
	if d.pool != nil {
		if ReuseHandles {
			d.pool.free.Put(d)
		}
	}
}

// Location returns CPU.
func (d *BytesData) Location() Location { return CPU }

// Size returns the total length of the planes.
func (d *BytesData) Size() int { return d.size }

// Planes returns the wrapped slices; it never copies and never fails.
func (d *BytesData) Planes(context.Context) ([][]byte, error) { return d.planes, nil }

// Bytes returns the bytes of d as one slice. When d has one plane that plane
// is returned as is; otherwise the planes are copied, end to end, into a new
// slice and the copy is counted by CopiedBytes. Prefer Planes.
func Bytes(ctx context.Context, d Data) ([]byte, error) {
	planes, err := d.Planes(ctx)
	if err != nil {
		return nil, err
	}
	if len(planes) == 1 {
		return planes[0], nil
	}
	n := 0
	for _, p := range planes {
		n += len(p)
	}
	out := make([]byte, 0, n)
	for _, p := range planes {
		out = append(out, p...)
	}
	CountCopy(n)
	return out, nil
}

// HandlePool recycles a backend's handle type T (its Data) between frames:
// Get returns a zeroed handle, Put zeroes one whose last reference went
// and keeps it for the next Get when ReuseHandles says so. The zero
// HandlePool is ready to use; a backend keeps one for the whole process.
type HandlePool[T any] struct{ p sync.Pool }

// Get returns a zeroed handle, reused or new.
func (hp *HandlePool[T]) Get() *T {
	if d, ok := hp.p.Get().(*T); ok {
		return d
	}
	return new(T)
}

// Put zeroes d and keeps it for a later Get (not under the race detector:
// see ReuseHandles). d must not be used after.
func (hp *HandlePool[T]) Put(d *T) {
	var zero T
	*d = zero
	if ReuseHandles {
		hp.p.Put(d)
	}
}
