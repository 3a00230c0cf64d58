// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"context"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
)

// AddInput adds d, an opened input (see Open), to g as a node called name.
// It returns a pipe per kind of stream d holds; the other is nil. opts
// configure both pipes. A live input's reconnect counters (see Stats)
// appear in the node's Metrics.Live.
//
//	d, err := media.Open(media.Input{URL: "in.mp4", Decode: true})
//	video, audio := media.AddInput(g, "input", d)
func AddInput(g *stream.Graph, name string, d Demuxer, opts ...stream.LinkOption) (*stream.Pipe[frame.Video], *stream.Pipe[frame.Audio]) {
	s := d.Streams()
	var vp *stream.Pipe[frame.Video]
	var ap *stream.Pipe[frame.Audio]
	var vo stage.Out[frame.Video]
	var ao stage.Out[frame.Audio]
	var edges []stream.Edge
	if s.Video != 0 {
		vp = stream.NewPipe[frame.Video](g, opts...)
		vo, edges = vp.Out(), append(edges, vp)
	}
	if s.Audio != 0 {
		ap = stream.NewPipe[frame.Audio](g, opts...)
		ao, edges = ap.Out(), append(edges, ap)
	}
	g.Add(name, func(ctx context.Context) error { return d.Run(ctx, vo, ao) }).Writes(edges...).ReportLive(reporter(d))
	return vp, ap
}

// AddOutput adds m, a muxer (see Create), to g as a node called name,
// reading video and audio; either may be nil. A live output's reconnect
// counters (see Stats) appear in the node's Metrics.Live.
func AddOutput(g *stream.Graph, name string, m Muxer, video *stream.Pipe[frame.Video], audio *stream.Pipe[frame.Audio]) *stream.Node {
	var vi stage.In[frame.Video]
	var ai stage.In[frame.Audio]
	var edges []stream.Edge
	if video != nil {
		vi, edges = video.In(), append(edges, video)
	}
	if audio != nil {
		ai, edges = audio.In(), append(edges, audio)
	}
	return g.Add(name, func(ctx context.Context) error { return m.Run(ctx, vi, ai) }).Reads(edges...).ReportLive(reporter(m))
}
