// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package gst is the GStreamer backend of streamer (go-gst v1.4.0):
// sources, sinks and transforms from launch descriptions, camera capture,
// encoders and decoders, whole pipelines, with GstBuffers passed between
// stages without copying.
//
// Importing it also registers the "gst" backend of package stream/media
// (encode, decode, scale, resample, open and write, from the neutral
// descriptions), so a blank import is enough for media's constructors:
//
//	import _ "github.com/spinorml/streamer/gst"
//
// # Reading the code
//
// A newcomer reads, in this order:
//
//   - stages.go: Source, Sink and Transform, the stages over a launch
//     description, and how each plays its pipeline;
//   - pipeline.go: the private pipeline every stage owns (parse, bus reader,
//     first error, stop); rescue.go adds the errors decodebin drops;
//   - app.go: pulling frames from an appsink and pushing them into an
//     appsrc; data.go: FrameData, the frame.Data over one GstBuffer;
//     caps.go: frames' formats to caps and back;
//   - codec.go and encoder_props.go: encoders, decoders and their settings;
//   - media*.go: the stream/media backend built on the above;
//   - launch.go, appstage.go, camera.go, muxsink.go: the public Pipeline,
//     AppSink/AppSrc over it, Camera and MuxSink.
//
// The C side is one file per concern, declared in shim.h: buffer.c (buffers,
// samples and caps), launch.c (parsing), bus.c (the bus and states),
// rescue.c (the decodebin error tracer), gpucontext.c (GPU contexts shared
// between pipelines), media.c (discovery and element factories) and hooks.c
// (test hooks, with hooks.go).
package gst
