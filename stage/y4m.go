// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/spinorml/streamer/frame"
)

// Y4M (YUV4MPEG2) is the simplest raw video file format that ffmpeg, ffplay,
// mpv, x264 and GStreamer all read: a text header line, then each frame as a
// "FRAME" line and the raw planes.

const (
	y4mMagic   = "YUV4MPEG2"
	y4mMaxLine = 4096
	y4mMaxDim  = 16384
)

// Y4MHeader is what a Y4M stream header says.
type Y4MHeader struct {
	Width, Height int
	FPS           frame.Rational // F; 25/1 when absent, as ffmpeg assumes
	Interlace     byte           // I: 'p' progressive (default), 't', 'b' or 'm'
	Aspect        frame.Rational // A: pixel aspect ratio; 0:0 when unknown
	Format        frame.Format   // from C: I420 (420*, the default), I422, I444 or GRAY8 (mono)
	Extra         []string       // X parameters, without the X
}

// Y4MReader reads raw video frames from a Y4M stream. It is a Source of
// Video frames; ReadFrame reads them one at a time outside a graph.
type Y4MReader struct {
	Header Y4MHeader
	// MaxFrameBytes bounds the memory of one frame, so a hostile header
	// cannot make the reader allocate gigabytes; default 1 GiB.
	MaxFrameBytes int

	r    *bufio.Reader
	pool *frame.VideoPool
	n    int64 // frames read
}

// NewY4MReader reads and checks the stream header of r. The error names
// what is wrong with the header.
func NewY4MReader(r io.Reader) (*Y4MReader, error) {
	br := bufio.NewReaderSize(r, 64<<10)
	line, err := readLine(br)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("y4m: empty input, expected %q header: %w", y4mMagic, io.ErrUnexpectedEOF)
		}
		return nil, fmt.Errorf("y4m: header: %w", err)
	}
	h, err := parseY4MHeader(line)
	if err != nil {
		return nil, err
	}
	pool, err := frame.NewVideoPool(h.Format, h.Width, h.Height)
	if err != nil {
		return nil, fmt.Errorf("y4m: header: %w", err)
	}
	return &Y4MReader{Header: h, MaxFrameBytes: 1 << 30, r: br, pool: pool}, nil
}

// readLine returns one line without its newline, refusing lines longer than
// y4mMaxLine. The slice is valid until the next read.
func readLine(br *bufio.Reader) ([]byte, error) {
	var line []byte
	for {
		chunk, err := br.ReadSlice('\n')
		if len(line)+len(chunk) > y4mMaxLine {
			return nil, fmt.Errorf("line longer than %d bytes (not a Y4M stream?)", y4mMaxLine)
		}
		switch {
		case err == nil:
			if line == nil {
				return chunk[:len(chunk)-1], nil
			}
			line = append(line, chunk[:len(chunk)-1]...)
			return line, nil
		case errors.Is(err, bufio.ErrBufferFull):
			line = append(line, chunk...)
		case errors.Is(err, io.EOF) && len(line)+len(chunk) > 0:
			return nil, fmt.Errorf("line %q has no newline: %w", truncate(append(line, chunk...)), io.ErrUnexpectedEOF)
		default:
			return nil, err
		}
	}
}

func truncate(b []byte) string {
	if len(b) > 40 {
		return string(b[:40]) + "..."
	}
	return string(b)
}

func parseY4MHeader(line []byte) (Y4MHeader, error) {
	h := Y4MHeader{FPS: frame.Rational{Num: 25, Den: 1}, Interlace: 'p', Format: frame.I420}
	fields := bytes.Split(line, []byte{' '})
	if string(fields[0]) != y4mMagic {
		return h, fmt.Errorf("y4m: header starts with %q, not %q", truncate(fields[0]), y4mMagic)
	}
	var haveW, haveH bool
	for _, f := range fields[1:] {
		if len(f) == 0 {
			continue // tolerate doubled spaces
		}
		val := string(f[1:])
		var err error
		switch f[0] {
		case 'W':
			h.Width, err = parseDim(val)
			haveW = true
		case 'H':
			h.Height, err = parseDim(val)
			haveH = true
		case 'F':
			h.FPS, err = parseRatio(val)
			if err == nil && (h.FPS.Num <= 0 || h.FPS.Den <= 0) {
				err = fmt.Errorf("frame rate must be positive")
			}
		case 'A':
			h.Aspect, err = parseRatio(val)
		case 'I':
			if len(val) != 1 || !bytes.ContainsRune([]byte("ptbm?"), rune(val[0])) {
				err = fmt.Errorf("unknown interlacing")
			} else {
				h.Interlace = val[0]
			}
		case 'C':
			h.Format, err = y4mFormat(val)
		case 'X':
			h.Extra = append(h.Extra, val)
		default:
			err = fmt.Errorf("unknown parameter")
		}
		if err != nil {
			return h, fmt.Errorf("y4m: header parameter %q: %w", truncate(f), err)
		}
	}
	if !haveW || !haveH {
		return h, fmt.Errorf("y4m: header has no frame size (W and H are required)")
	}
	return h, nil
}

func parseDim(s string) (int, error) {
	n, err := strconv.Atoi(s)
	if err != nil || n <= 0 || n > y4mMaxDim {
		return 0, fmt.Errorf("size must be a number from 1 to %d", y4mMaxDim)
	}
	return n, nil
}

func parseRatio(s string) (frame.Rational, error) {
	num, den, ok := bytes.Cut([]byte(s), []byte{':'})
	if !ok {
		return frame.Rational{}, fmt.Errorf("want N:D")
	}
	n, err1 := strconv.ParseInt(string(num), 10, 32)
	d, err2 := strconv.ParseInt(string(den), 10, 32)
	if err1 != nil || err2 != nil || n < 0 || d < 0 {
		return frame.Rational{}, fmt.Errorf("want N:D with non-negative 32-bit numbers")
	}
	return frame.Rational{Num: int(n), Den: int(d)}, nil
}

func y4mFormat(c string) (frame.Format, error) {
	switch c {
	case "420", "420jpeg", "420paldv", "420mpeg2":
		return frame.I420, nil
	case "422":
		return frame.I422, nil
	case "444":
		return frame.I444, nil
	case "mono":
		return frame.GRAY8, nil
	}
	return frame.FormatUnknown, fmt.Errorf("colour space not supported (want 420*, 422, 444 or mono)")
}

func y4mColour(f frame.Format) (string, bool) {
	switch f {
	case frame.I420:
		return "420jpeg", true
	case frame.I422:
		return "422", true
	case frame.I444:
		return "444", true
	case frame.GRAY8:
		return "mono", true
	}
	return "", false
}

// ReadFrame returns the next frame with one reference, which the caller
// owns. It returns io.EOF after the last whole frame, and an error wrapping
// io.ErrUnexpectedEOF when the stream ends inside a frame.
func (y *Y4MReader) ReadFrame() (frame.Video, error) {
	line, err := readLine(y.r)
	if err != nil {
		if errors.Is(err, io.EOF) {
			return frame.Video{}, io.EOF
		}
		return frame.Video{}, fmt.Errorf("y4m: frame %d: %w", y.n, err)
	}
	if !bytes.HasPrefix(line, []byte("FRAME")) || (len(line) > 5 && line[5] != ' ') {
		return frame.Video{}, fmt.Errorf("y4m: frame %d: header %q, want FRAME", y.n, truncate(line))
	}
	_, sizes := y.Header.Format.Layout(y.Header.Width, y.Header.Height)
	if total := sizes[0] + sizes[1] + sizes[2]; total > y.MaxFrameBytes {
		return frame.Video{}, fmt.Errorf("y4m: frame of %dx%d needs %d bytes, more than the %d allowed",
			y.Header.Width, y.Header.Height, total, y.MaxFrameBytes)
	}
	v := y.pool.Get()
	planes, _ := v.Data.Planes(context.Background())
	for i, p := range planes {
		if n, err := io.ReadFull(y.r, p); err != nil {
			v.Release()
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return frame.Video{}, fmt.Errorf("y4m: frame %d truncated in plane %d after %d of %d bytes: %w", y.n, i, n, len(p), err)
		}
	}
	v.PTS = frameTime(y.n, y.Header.FPS)
	v.DTS = v.PTS
	v.Duration = frameTime(y.n+1, y.Header.FPS) - v.PTS
	v.Keyframe = true
	y.n++
	return v, nil
}

// Name returns "y4m-reader".
func (*Y4MReader) Name() string { return "y4m-reader" }

// Run sends every frame of the stream. Frames read before a damaged or
// truncated frame are sent; then Run returns the error.
func (y *Y4MReader) Run(ctx context.Context, out Out[frame.Video]) error {
	for {
		v, err := y.ReadFrame()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if !out.Send(v) {
			return ctx.Err()
		}
	}
}

// Y4MWriter writes raw video frames as a Y4M stream. It is a Sink of Video
// frames; WriteFrame writes them one at a time outside a graph. The header
// is written with the first frame, whose size and format every later frame
// must have.
type Y4MWriter struct {
	// FPS goes into the header. When zero it is taken from the first
	// frame's Duration (common rates such as 30000/1001 are recognised),
	// else 30/1.
	FPS frame.Rational

	w      *bufio.Writer
	header bool
	width  int
	height int
	format frame.Format
	n      int64
}

// NewY4MWriter returns a writer to w. The caller closes w after the
// writer's last frame (and Flush, when not run as a sink).
func NewY4MWriter(w io.Writer) *Y4MWriter { return &Y4MWriter{w: bufio.NewWriterSize(w, 64<<10)} }

// Name returns "y4m-writer".
func (*Y4MWriter) Name() string { return "y4m-writer" }

// WriteFrame writes v, writing the header first if v is the first frame.
// It does not release v. Frames of another size or format than the first,
// and formats Y4M cannot hold, are refused with an error naming them.
func (y *Y4MWriter) WriteFrame(ctx context.Context, v frame.Video) error {
	if !y.header {
		c, ok := y4mColour(v.Format)
		if !ok {
			return fmt.Errorf("y4m: cannot write %v frames (Y4M holds I420, I422, I444 or GRAY8): convert first", v.Format)
		}
		fps := y.FPS
		if fps.Num <= 0 || fps.Den <= 0 {
			fps = frame.RateOf(v.Duration)
		}
		if fps.Num <= 0 {
			fps = frame.Rational{Num: 30, Den: 1} // unknown: Y4M has no "variable"
		}
		if _, err := fmt.Fprintf(y.w, "%s W%d H%d F%d:%d Ip A1:1 C%s\n", y4mMagic, v.Width, v.Height, fps.Num, fps.Den, c); err != nil {
			return fmt.Errorf("y4m: write header: %w", err)
		}
		y.header, y.width, y.height, y.format = true, v.Width, v.Height, v.Format
	}
	if v.Width != y.width || v.Height != y.height || v.Format != y.format {
		return fmt.Errorf("y4m: frame %d is %v %dx%d but the stream is %v %dx%d (Y4M cannot change size or format)",
			y.n, v.Format, v.Width, v.Height, y.format, y.width, y.height)
	}
	planes, err := v.Planes(ctx)
	if err != nil {
		return fmt.Errorf("y4m: frame %d: %w", y.n, err)
	}
	if len(planes) < v.Format.Planes() {
		return fmt.Errorf("y4m: frame %d has %d planes, %v needs %d", y.n, len(planes), v.Format, v.Format.Planes())
	}
	if _, err := y.w.WriteString("FRAME\n"); err != nil {
		return fmt.Errorf("y4m: frame %d: %w", y.n, err)
	}
	tight, _ := v.Format.Layout(v.Width, v.Height)
	for i := range v.Format.Planes() {
		rows, rowBytes, stride := v.Format.PlaneRows(i, v.Height), tight[i], v.Strides[i]
		if stride == 0 {
			stride = rowBytes
		}
		p := planes[i]
		if stride < rowBytes || len(p) < stride*(rows-1)+rowBytes {
			return fmt.Errorf("y4m: frame %d plane %d: %d bytes with stride %d cannot hold %d rows of %d",
				y.n, i, len(p), stride, rows, rowBytes)
		}
		if stride == rowBytes {
			_, err = y.w.Write(p[:rows*rowBytes])
		} else {
			for r := 0; r < rows && err == nil; r++ {
				_, err = y.w.Write(p[r*stride : r*stride+rowBytes])
			}
		}
		if err != nil {
			return fmt.Errorf("y4m: frame %d: %w", y.n, err)
		}
	}
	y.n++
	return nil
}

// Flush writes buffered bytes to the underlying writer.
func (y *Y4MWriter) Flush() error { return y.w.Flush() }

// Run writes every frame until the end of stream and flushes. On an error
// the frames written so far are flushed too, so the file stays readable.
func (y *Y4MWriter) Run(ctx context.Context, in In[frame.Video]) error {
	for {
		v, ok := in.Recv()
		if !ok {
			break
		}
		err := y.WriteFrame(ctx, v)
		v.Release()
		if err != nil {
			_ = y.w.Flush()
			return err
		}
	}
	if err := y.w.Flush(); err != nil {
		return fmt.Errorf("y4m: %w", err)
	}
	return nil
}
