// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package frame defines what travels between the stages of a streamer graph:
// Video and Audio frames, their Formats, the Codec description of encoded
// streams, and Data, the reference-counted handle to a frame's bytes
// wherever they live (CPU memory, a GstBuffer, an AVFrame, a GPU surface).
//
// Ownership is transfer-full, as in GStreamer: whoever holds a frame owns one
// reference and either passes it on or releases it; Release of the last
// reference frees the memory at once, never through the garbage collector.
// Live counts the handles alive in the process, so a test can prove a run
// leaked nothing, and CopiedBytes counts every copy of frame bytes.
//
// The package is pure Go and builds with CGO_ENABLED=0.
//
// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
package frame
