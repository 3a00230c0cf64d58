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
package gst
