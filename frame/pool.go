// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package frame

import (
	"fmt"
	"sync"
)

// Pool recycles CPU buffers of one plane layout, as a GstBufferPool does: a
// source making frames of a steady size allocates nothing per frame once warm.
// Releasing the last reference of a pooled BytesData puts it back. Buffers are
// reused as they are, not zeroed. A Pool is safe for concurrent use.
type Pool struct {
	sizes []int
	total int
	free  sync.Pool
}

// NewPool returns a pool of buffers with the given plane sizes, each buffer
// one allocation cut into planes.
func NewPool(planeSizes ...int) *Pool {
	p := &Pool{sizes: planeSizes}
	for _, s := range planeSizes {
		p.total += s
	}
	return p
}

// Get returns a buffer with one owner.
func (p *Pool) Get() *BytesData {
	d, _ := p.free.Get().(*BytesData)
	if d == nil {
		buf := make([]byte, p.total)
		d = &BytesData{planes: make([][]byte, len(p.sizes)), size: p.total, pool: p}
		for i, s := range p.sizes {
			d.planes[i], buf = buf[:s:s], buf[s:]
		}
	}
	d.ref.Init()
	return d
}

// VideoPool is a Pool for raw video frames of one format and size.
type VideoPool struct {
	pool          *Pool
	format        Format
	width, height int
	strides       [4]int
}

// NewVideoPool returns a pool of tightly packed raw frames. It fails for
// encoded formats and sizes that are not positive.
func NewVideoPool(f Format, width, height int) (*VideoPool, error) {
	if f.Planes() == 0 || width <= 0 || height <= 0 {
		return nil, fmt.Errorf("frame: no raw video layout for %v %dx%d", f, width, height)
	}
	strides, sizes := f.Layout(width, height)
	return &VideoPool{
		pool:   NewPool(sizes[:f.Planes()]...),
		format: f, width: width, height: height, strides: strides,
	}, nil
}

// Get returns a frame with one reference to a pooled buffer; the caller
// fills its planes and sets the timing fields.
func (p *VideoPool) Get() Video {
	return Video{Data: p.pool.Get(), Format: p.format, Width: p.width, Height: p.height, Strides: p.strides}
}
