// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package gst will be the GStreamer backend of streamer (go-gst v1.4.0):
// sources, sinks and transforms from launch descriptions, camera capture,
// encoders and decoders, whole pipelines, with GstBuffers passed between
// stages without copying. It is not written yet (issue #4).
//
// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
package gst
