// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream/media"
)

// mediaWrite returns a muxer writing out: the container's GStreamer muxer
// (see Muxer), each stream through the parser of its frames' format (see
// MuxParser), into a filesink. It refuses containers GStreamer has no
// muxer for here (y4m) and URLs other than files; a missing muxer or
// parser element is a refusal too, naming it. The file's directory must
// exist. Network URLs and HLS folders are written as media_network.go
// says.
func mediaWrite(out media.Output) (media.Muxer, error) {
	c, err := media.ContainerOf(out)
	if err != nil {
		return nil, err
	}
	if ms, ok, err := networkWrite(out, c); ok || err != nil {
		if err != nil {
			return nil, err
		}
		return &muxer{url: out.URL, sink: ms}, nil
	}
	mux, ok := Muxer(c.Name)
	if !ok {
		return nil, media.Unsupported("gst: write %s: no GStreamer muxer for the %s container", out.URL, c.Name)
	}
	for _, el := range []string{mux, parsers[out.Video], parsers[out.Audio]} {
		if el != "" && !HasElement(el) {
			return nil, media.Unsupported("gst: write %s: %v", out.URL, missingElement(el, ""))
		}
	}
	sink, err := outputSink(out.URL)
	if err != nil {
		return nil, err
	}
	return &muxer{url: out.URL, sink: &MuxSink{Muxer: mux, Output: sink}}, nil
}

// outputSink returns the filesink for a path or file:// URL whose
// directory exists.
func outputSink(u string) (string, error) {
	path := u
	if scheme, _, ok := strings.Cut(u, "://"); ok {
		if !strings.EqualFold(scheme, "file") {
			return "", media.Unsupported("gst: write %s: writes files only, not %s:// URLs", u, scheme)
		}
		parsed, err := url.Parse(u)
		if err != nil {
			return "", fmt.Errorf("gst: write %s: %w", u, err)
		}
		path = parsed.Path
	}
	abs, err := filepath.Abs(path)
	if err == nil {
		var fi os.FileInfo
		if fi, err = os.Stat(filepath.Dir(abs)); err == nil && !fi.IsDir() {
			err = fmt.Errorf("%s is not a directory", filepath.Dir(abs))
		}
	}
	if err != nil {
		return "", fmt.Errorf("gst: write %s: %w", u, err)
	}
	return "filesink location=" + launchQuote(abs), nil
}

// muxer is a MuxSink whose inputs' parsers follow their frames.
type muxer struct {
	url  string
	sink *MuxSink
}

// Name returns "gst-mux".
func (m *muxer) Name() string { return "gst-mux" }

// Run writes the connected inputs (a zero In is a stream not written)
// until both end, and finishes the file; on cancel it still finishes it,
// waiting at most a second, and returns ctx.Err().
func (m *muxer) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
	err := m.sink.Run(ctx, video, audio)
	if err == nil || (ctx.Err() != nil && errors.Is(err, ctx.Err())) {
		return err
	}
	return fmt.Errorf("gst: write %s: %w", m.url, err)
}
