// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package y4m is a backend of package media for raw YUV4MPEG2 (.y4m)
// files, in pure Go: it opens them as raw video and writes raw video to
// them. It exists to show what a backend is — a folder that registers
// itself, with no change to the core — and lets the neutral examples read
// and write uncompressed video with no codec library at all:
//
//	import _ "github.com/spinorml/streamer/y4m"
//
// The reading and writing themselves are stage.Y4MReader and
// stage.Y4MWriter.
package y4m

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

func init() {
	media.Register(media.Backend{Name: "y4m", Open: open, Write: write})
}

// open accepts local .y4m files; it reads the header now, so a missing or
// malformed file fails here.
func open(in media.Input) (media.Demuxer, error) {
	if !strings.EqualFold(filepath.Ext(in.URL), ".y4m") || strings.Contains(in.URL, "://") {
		return nil, media.Unsupported("y4m: %s is not a local .y4m file", in.URL)
	}
	if in.NoVideo {
		return nil, media.Unsupported("y4m: %s holds only video, and NoVideo is set", in.URL)
	}
	f, err := os.Open(in.URL)
	if err != nil {
		return nil, fmt.Errorf("y4m: open: %w", err)
	}
	r, err := stage.NewY4MReader(f)
	f.Close()
	if err != nil {
		return nil, fmt.Errorf("y4m: %s: %w", in.URL, err)
	}
	return &demuxer{path: in.URL, format: r.Header.Format}, nil
}

// demuxer reads a .y4m file: raw video, no audio. Decode changes nothing:
// the frames are raw already.
type demuxer struct {
	path   string
	format frame.Format
}

func (d *demuxer) Streams() media.Streams { return media.Streams{Video: d.format} }

func (d *demuxer) Run(ctx context.Context, video stage.Out[frame.Video], _ stage.Out[frame.Audio]) error {
	f, err := os.Open(d.path)
	if err != nil {
		return fmt.Errorf("y4m: %w", err)
	}
	defer f.Close()
	r, err := stage.NewY4MReader(f)
	if err != nil {
		return fmt.Errorf("y4m: %s: %w", d.path, err)
	}
	return r.Run(ctx, video)
}

// write accepts the y4m container with raw video and no audio.
func write(out media.Output) (media.Muxer, error) {
	c, err := media.ContainerOf(out)
	if err != nil {
		return nil, err
	}
	switch {
	case c.Name != "y4m":
		return nil, media.Unsupported("y4m: writes only the y4m container, not %s", c.Name)
	case out.Audio != 0:
		return nil, media.Unsupported("y4m: cannot hold audio (%v)", out.Audio)
	case strings.Contains(out.URL, "://"):
		return nil, media.Unsupported("y4m: writes local files, not %s", out.URL)
	}
	return &muxer{path: out.URL}, nil
}

type muxer struct{ path string }

// Run writes the video to the file; audio, if connected, is refused.
func (m *muxer) Run(ctx context.Context, video stage.In[frame.Video], _ stage.In[frame.Audio]) error {
	f, err := os.Create(m.path)
	if err != nil {
		return fmt.Errorf("y4m: %w", err)
	}
	w := stage.NewY4MWriter(f)
	err = w.Run(ctx, video)
	return errors.Join(err, f.Close())
}
