// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

/*
#include "shim.h"
*/
import "C"

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/asticode/go-astiav"
)

// input is an opened input: the format context and what frees it.
type input struct {
	fc   *astiav.FormatContext
	ioc  *astiav.IOContext
	intr *interrupter
}

func (in *input) close() {
	in.intr.unwatch()
	in.fc.CloseInput()
	in.fc.Free()
	if in.ioc != nil {
		in.ioc.Free()
	}
	in.intr.free()
}

// open opens and probes the input; cancelling ctx interrupts it.
func (d *Demux) open(ctx context.Context) (_ *input, err error) {
	defer func() {
		if err != nil && ctx.Err() != nil {
			err = ctx.Err()
		}
	}()
	var ifmt *astiav.InputFormat
	if d.Format != "" {
		if ifmt = astiav.FindInputFormat(d.Format); ifmt == nil {
			return nil, fmt.Errorf("ffmpeg: demux: unknown input format %q", d.Format)
		}
	}
	if d.URL == "" && d.Reader == nil {
		return nil, errors.New("ffmpeg: demux: neither URL nor Reader is set")
	}
	dict, err := newOptions(d.Options)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: demux %w", err)
	}
	defer dict.Free()
	fc := astiav.AllocFormatContext()
	if fc == nil {
		return nil, errors.New("ffmpeg: out of memory for a format context")
	}
	in := &input{fc: fc, intr: newInterrupter(fc)}
	in.intr.watch(ctx)
	defer func() {
		if err != nil {
			in.intr.free()
		}
	}()
	if d.URL == "" {
		ioc, err := newReaderIO(d.Reader)
		if err != nil {
			fc.Free()
			return nil, err
		}
		in.ioc = ioc
		fc.SetPb(ioc)
	}
	if err := fc.OpenInput(d.URL, ifmt, dict); err != nil {
		// avformat_open_input freed the context; a custom AVIO is ours.
		fc.Free()
		if in.ioc != nil {
			in.ioc.Free()
		}
		return nil, fmt.Errorf("ffmpeg: demux: open %s: %w", d.what(), osError(err))
	}
	if err := fc.FindStreamInfo(nil); err != nil {
		in.close()
		return nil, fmt.Errorf("ffmpeg: demux: stream info of %s: %w", d.what(), err)
	}
	return in, nil
}

// newReaderIO returns an AVIOContext reading r.
func newReaderIO(r io.Reader) (*astiav.IOContext, error) {
	read := func(b []byte) (int, error) {
		for {
			n, err := r.Read(b)
			if n > 0 {
				return n, nil
			}
			if err == io.EOF {
				return 0, astiav.ErrEof
			}
			if err != nil {
				return 0, astiav.ErrEio
			}
		}
	}
	var seek astiav.IOContextSeekFunc
	if s, ok := r.(io.Seeker); ok {
		seek = func(off int64, whence int) (int64, error) {
			const avseekSize, avseekForce = 0x10000, 0x20000
			if whence&avseekSize != 0 {
				cur, err := s.Seek(0, io.SeekCurrent)
				if err != nil {
					return 0, astiav.ErrEio
				}
				end, err := s.Seek(0, io.SeekEnd)
				if err != nil {
					return 0, astiav.ErrEio
				}
				if _, err := s.Seek(cur, io.SeekStart); err != nil {
					return 0, astiav.ErrEio
				}
				return end, nil
			}
			n, err := s.Seek(off, whence&^avseekForce)
			if err != nil {
				return 0, astiav.ErrEio
			}
			return n, nil
		}
	}
	ioc, err := astiav.AllocIOContext(64<<10, false, read, seek, nil)
	if err != nil {
		return nil, fmt.Errorf("ffmpeg: demux: custom I/O: %w", err)
	}
	return ioc, nil
}
