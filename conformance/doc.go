// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package conformance checks media files independently of the library
// that wrote them, by running the ffprobe and ffmpeg command-line tools
// (FFmpeg 5.1 as in Debian 12) and reading their output. Tests use it to
// prove that every frame was written, the timestamps are right and audio
// and video are aligned. It is pure Go and imports nothing else from this
// module: a checker that shared code with the writer could share its bugs.
//
// To be fair, the checks pass on the files the ffmpeg CLI and
// gst-launch-1.0 write for the same job; the package's own tests prove
// that for MP4, Matroska, WebM and MPEG-TS.
//
// # Use
//
// Probe a file, then Check it against what its source had:
//
//	f, err := conformance.Probe(ctx, path)
//	if err != nil {
//		t.Fatal(err)
//	}
//	err = conformance.Check(f, conformance.Expect{
//		VideoFrames:   60,
//		FrameRate:     [2]int{30, 1},
//		VideoDuration: 2 * time.Second,
//		AudioDuration: 2 * time.Second,
//		CheckAVOffset: true,
//		AudioFrameDur: 1024 * time.Second / 48000,
//	})
//	if err != nil {
//		t.Error(err) // one line per failed check
//	}
//
// PacketHashes and EqualHashes prove a stream copy is bit-exact; PSNR and
// CheckAligned prove a transcode kept every frame in its place.
//
// # Checks
//
// Check compares:
//
//   - Frame count: the video frames the decoder produced (nb_read_frames
//     under ffprobe -count_frames), not a count the container stores.
//   - Decode timestamps, per stream in file order: strictly increasing
//     where the container stores DTS (MP4/MOV, MPEG-TS, FLV, and any
//     format not named below), and never after the packet's PTS.
//     Matroska and WebM store only PTS; the DTS ffprobe shows there are
//     reconstructed by libavformat from the PTS (equal to them for streams
//     without B-frames, missing on the first packet of an H.264 stream
//     with B-frames), so there they need only be non-decreasing.
//     Packets without DTS are skipped.
//   - Video PTS: present, unique, and on the frame grid: every PTS minus
//     the first is a whole number of frame durations within half a tick
//     of the time base or 1 ms, whichever is larger (Matroska's 1 ms
//     ticks round 1/30 s to 33 or 34 ms; GStreamer's MPEG-TS PTS are one
//     90 kHz tick off at times). With Expect.VFRPTS the sorted PTS,
//     relative to the first, must instead equal that list within the same
//     tolerance.
//   - Durations: video is last PTS − first PTS + one frame, within one
//     frame; audio runs from its start (below) to the largest PTS +
//     duration less the end padding the last packet's side data discards,
//     within one audio frame or one video frame, whichever is larger.
//   - A/V offset: the audio start minus the first video PTS, within one
//     video frame.
//
// # Edit lists and encoder priming
//
// ffprobe 5.1 applies MP4 edit lists to packet timestamps: an H.264 stream
// with B-frames written by ffmpeg or GStreamer's mp4mux starts at PTS 0
// with negative DTS, so no correction is needed and packet PTS agree with
// the streams' start_time.
//
// Audio encoders prepend priming samples (AAC 1024, Opus 312 pre-skip),
// and containers signal them differently. The audio start is the smallest
// audio PTS plus the samples the first packet's "Skip Samples" side data
// tells the decoder to drop; ffprobe exposes nothing else. Measured for
// the correct 2 s jobs of the tests, audio start minus video start is:
//
//	ffmpeg MP4 (AAC)       0      edit list trims the priming packet, whose
//	                              PTS is -21.3 ms with skip_samples 1024
//	ffmpeg MPEG-TS (AAC)   -21.3 ms  priming packet one AAC frame early
//	ffmpeg Matroska/WebM   -14 ms    Opus -7 ms (CodecDelay), video +7 ms
//	gst mp4mux (avenc_aac) 0      no edit list: priming plays at 0
//	gst mpegtsmux          0      priming plays at 0
//	gst matroskamux/webm   -7 ms     Opus CodecDelay, video at 0
//
// All lie within the one video frame of tolerance (33.3 ms at 30 fps),
// while audio shifted by two frames either way (±66.7 ms) fails in every
// container, by at least 11 ms (ffmpeg MPEG-TS and MP4 with a delayed
// audio start, where ffmpeg keeps the priming: 45 ms). Unsignalled AAC
// priming likewise lengthens the audio by up to one AAC frame, inside the
// audio duration tolerance.
//
// # Tools
//
// Every function runs ffprobe or ffmpeg from PATH under the given context
// and returns errors that name the file and carry the tool's stderr.
package conformance
