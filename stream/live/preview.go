// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image/jpeg"
	"net/http"
	"sync"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stream"
)

// previewNotes keeps, per link, why its latest frame could not be shown.
type previewNotes struct {
	mu sync.Mutex
	m  map[int]string
}

func (n *previewNotes) set(id int, note string) {
	n.mu.Lock()
	defer n.mu.Unlock()
	if n.m == nil {
		n.m = map[int]string{}
	}
	if note == "" {
		delete(n.m, id)
	} else {
		n.m[id] = note
	}
}

func (n *previewNotes) get(id int) string {
	n.mu.Lock()
	defer n.mu.Unlock()
	return n.m[id]
}

// boundary separates the JPEG images of a preview stream.
const boundary = "streamer-preview-frame"

// preview serves /preview/{link}: an MJPEG stream of the raw video frames
// the link's reader receives, through a tap that keeps only the newest
// frame (so a slow viewer drops frames, counted, and never slows the
// graph), at most PreviewRate images a second. Frames that cannot be shown
// (encoded, or held outside CPU memory) are skipped and the reason is
// shown on the page. It ends when the client leaves or the server closes.
func (s *Server) preview(w http.ResponseWriter, r *http.Request) {
	if !s.cfg.preview {
		http.Error(w, "live: previews are off", http.StatusNotFound)
		return
	}
	id, ok := linkID(r.PathValue("link"))
	if !ok {
		http.Error(w, "live: want /preview/N, N a link number", http.StatusBadRequest)
		return
	}
	tap, err := stream.TapPipe[frame.Video](s.g, id)
	if err != nil {
		http.Error(w, err.Error(), http.StatusNotFound)
		return
	}
	defer tap.Close()
	ctx, end, ok := s.beginStream(w, r)
	if !ok {
		return
	}
	defer end()

	rc := http.NewResponseController(w)
	w.Header().Set("Content-Type", "multipart/x-mixed-replace; boundary="+boundary)
	w.WriteHeader(http.StatusOK)
	_ = rc.Flush()
	every := time.Duration(float64(time.Second) / s.cfg.previewFPS)
	var buf bytes.Buffer
	var last time.Time
	for {
		v, err := tap.Next(ctx)
		if err != nil {
			return
		}
		buf.Reset()
		err = encodeJPEG(ctx, &buf, v, s.cfg.previewWidth)
		v.Release()
		if err != nil {
			s.notes.set(id, err.Error())
			continue
		}
		s.notes.set(id, "")
		fmt.Fprintf(w, "--%s\r\nContent-Type: image/jpeg\r\nContent-Length: %d\r\n\r\n", boundary, buf.Len())
		_, _ = w.Write(buf.Bytes())
		if _, err := w.Write([]byte("\r\n")); err != nil {
			return
		}
		if rc.Flush() != nil {
			return
		}
		// Hold the rate: frames that come meanwhile replace each other in
		// the tap, which counts them as dropped.
		if wait := every - time.Since(last); wait > 0 && !last.IsZero() {
			select {
			case <-time.After(wait):
			case <-ctx.Done():
				return
			}
		}
		last = time.Now()
	}
}

// errNotShown marks frames a preview cannot show.
var errNotShown = errors.New("live: not previewable")

// encodeJPEG writes v as a JPEG image no wider than maxWidth.
func encodeJPEG(ctx context.Context, buf *bytes.Buffer, v frame.Video, maxWidth int) error {
	img, err := toImage(ctx, v, maxWidth)
	if err != nil {
		return err
	}
	return jpeg.Encode(buf, img, &jpeg.Options{Quality: 75})
}

// shrinkFactor is the whole factor that brings width to maxWidth or less.
func shrinkFactor(width, maxWidth int) int {
	if maxWidth <= 0 || width <= maxWidth {
		return 1
	}
	return (width + maxWidth - 1) / maxWidth
}
