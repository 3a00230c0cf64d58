// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"context"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// AppSink returns a source stage that reads the appsink called name in pl.
// Call it before Start: it restricts the appsink's caps to the formats
// streamer has, which must be in place when the pipeline negotiates. The
// stage ends at the appsink's end of stream, on the pipeline's first error,
// or on cancel (which stops the whole pipeline).
func AppSink[T frame.Frame](pl *Pipeline, name string) (stage.Source[T], error) {
	sink, err := newPuller[T](pl.p, name, defaultQueue)
	if err != nil {
		return nil, err
	}
	return &appSink[T]{appElement{pl, "appsink", name}, sink}, nil
}

// appElement is what an AppSink or AppSrc stage knows of its element.
type appElement struct {
	pl         *Pipeline
	kind, name string
}

// Name returns the element's kind and name, such as "appsink(video)".
func (e appElement) Name() string { return e.kind + "(" + e.name + ")" }

type appSink[T frame.Frame] struct {
	appElement
	sink *puller[T]
}

func (s *appSink[T]) Run(ctx context.Context, out stage.Out[T]) error {
	defer s.sink.close()
	defer s.pl.p.onCancel(ctx)()
	return readerGone(ctx, s.sink.sendAll(ctx, out))
}

// AppSrc returns a sink stage that pushes frames into the appsrc called
// name in pl, setting its caps from the frames, and ends that appsrc's
// stream at the end of input (Wait then sees EOS once the pipeline drains).
func AppSrc[T frame.Frame](pl *Pipeline, name string) (stage.Sink[T], error) {
	src, err := newPusher[T](pl.p, name, defaultQueue)
	if err != nil {
		return nil, err
	}
	return &appSrc[T]{appElement{pl, "appsrc", name}, src}, nil
}

type appSrc[T frame.Frame] struct {
	appElement
	src *pusher[T]
}

func (s *appSrc[T]) Run(ctx context.Context, in stage.In[T]) error {
	defer s.pl.p.onCancel(ctx)()
	defer s.src.endOnCancel(ctx)()
	for {
		v, ok := in.Recv()
		if !ok {
			s.src.endOfStream()
			return ctx.Err()
		}
		if err := s.src.push(ctx, v); err != nil {
			return err
		}
	}
}
