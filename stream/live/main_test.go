// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

type V = frame.Video

// Score is an analysis result: a typed link that is not video.
type Score struct {
	PTS  time.Duration
	Luma float64
}

// demo is a running graph with a tee, a typed analysis branch and a
// recorder that fails when fail is closed and reports demoLive, as a live
// network output would:
//
//	camera → tee → analyze (Score) → scores
//	             → watermark → recorder
type demo struct {
	g       *stream.Graph
	fail    chan struct{}
	preview int // the link tee → watermark
	stages  []string
	cancel  context.CancelFunc
	done    chan error
}

var errDiskFull = errors.New("disk full")

// demoLive is what the demo's recorder reports as its live counters.
var demoLive = stream.LiveStats{Retries: 3, Reconnects: 2, Timeouts: 1, Gaps: 1500 * time.Millisecond, Dropped: 7}

func newDemo(t *testing.T) *demo {
	t.Helper()
	frametest.NoLeaks(t) // registered first: checked after every cleanup below
	d := &demo{g: stream.New(), fail: make(chan struct{}), done: make(chan error, 1)}
	g := d.g
	cam := stream.AddSource(g, "camera", &stage.Pattern{Width: 320, Height: 240, Live: true})
	branches := stream.AddTee(g, "tee", cam, 2, stream.Capacity(4))
	scores := stream.AddTransform(g, "analyze", branches[0], stage.Map(func(ctx context.Context, v V) (Score, error) {
		defer v.Release()
		planes, err := v.Planes(ctx)
		if err != nil {
			return Score{}, err
		}
		sum := 0
		for _, b := range planes[0][:v.Width] {
			sum += int(b)
		}
		return Score{PTS: v.PTS, Luma: float64(sum) / float64(v.Width)}, nil
	}))
	stream.AddSink(g, "scores", scores, &stage.Null[Score]{})
	marked := stream.AddTransform(g, "watermark", branches[1], stage.Pass[V](), stream.DropOldest(), stream.Capacity(2))
	stream.AddSink(g, "recorder", marked, stage.SinkFunc[V](func(ctx context.Context, in stage.In[V]) error {
		n := 0
		for {
			select {
			case <-d.fail:
				return fmt.Errorf("write frame %d: %w", n, errDiskFull)
			default:
			}
			v, ok := in.Recv()
			if !ok {
				return nil
			}
			n++
			v.Release()
		}
	})).ReportLive(func() stream.LiveStats { return demoLive })
	for _, m := range g.Metrics() {
		d.stages = append(d.stages, m.Stage)
	}
	for _, l := range g.Links() {
		if l.From == "tee" && l.To == "watermark" {
			d.preview = l.ID
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	d.cancel = cancel
	go func() { d.done <- g.Run(ctx) }()
	t.Cleanup(d.stop)
	return d
}

// wait waits for the run to end and returns its error.
func (d *demo) wait() error {
	err := <-d.done
	d.done <- err // for stop
	return err
}

// stop cancels the run and waits for it.
func (d *demo) stop() {
	d.cancel()
	<-d.done
	d.done <- nil // a second stop returns at once
}
