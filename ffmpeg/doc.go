// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package ffmpeg will be the FFmpeg backend of streamer (go-astiav v0.16.0):
// demux, decode, encode, scale, resample and mux, with AVFrames and
// AVPackets passed by reference. It is not written yet (issue #5).
//
// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
package ffmpeg
