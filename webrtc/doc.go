// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package webrtc sends and receives encoded media over WebRTC in pure Go
// (pion, no cgo): WHIP publish, WHEP pull, and a built-in WHEP endpoint
// that serves any graph to browsers.
//
//   - Publisher (a media.Muxer) publishes a graph's H.264, VP8 or VP9
//     video and Opus audio to a WHIP server.
//   - Client (a media.Demuxer) pulls a stream from a WHEP server into a
//     graph, as encoded frames.
//   - Endpoint is both an http.Handler (WHEP) and a media.Muxer: a graph
//     writes to it, and any number of viewers watch.
//   - Ingest is both an http.Handler (WHIP) and a media.Demuxer: one
//     publisher at a time feeds a graph.
//
// Importing the package registers the "webrtc" backend of package media:
// media.Open takes whep:// URLs and media.Create whip:// URLs:
//
//	whep://host:port/path, whip://...    the server at http://host:port/path
//	wheps://..., whips://...             the same over https
//	whep+http(s)://..., whip+http(s)://... the same, spelled out
//	...#loopback&timeout=5s              Options (never sent to the server)
//
// An http(s) URL with Output.Container "whip" publishes too. The backend
// refuses any other URL, so that other backends get it.
//
// Timing. Senders pace frames by PTS and stamp RTP time with it; their
// RTCP sender reports map it to one wall clock for every track.
// Receivers give PTS from RTP time, starting near 0, and align tracks by
// those reports (waiting up to Options.SyncWait for them), else by the
// arrival of each track's first packet. Video starts at a key frame:
// a viewer of an Endpoint joins at the next one (with the audio playing
// then), so it loses up to one key-frame interval at the start; a
// Client that joins before the first frame, or an Ingest, loses nothing.
// RTP does not carry Opus's pre-skip: received Opus starts the encoder's
// priming samples (6.5 ms for libopus) early, as browsers play it. A
// receiver puts packets back in order and hands a frame out as soon as
// its last packet is in; a gap is waited for up to 150 ms (or 512 later
// packets), then skipped, the frame marked lost and a key frame asked for.
//
// Edges. A refused offer is an error wrapping ErrRefused with the URL and
// HTTP status; a receiver that gets no packet for Options.Timeout fails
// with ErrStalled; an RTCP BYE on every track, or the remote closing the
// connection, is the end of the stream. Signalling is whole offers and
// answers: no trickle ICE (PATCH answers 405). WebRTC carries no
// reordered frames, so a Publisher or Endpoint refuses frames with a DTS
// before their PTS (encode with media.VideoEncoding.LowLatency). A sender
// whose server vanishes fails once ICE gives up (Options.Timeout); there
// is no reconnect.
package webrtc
