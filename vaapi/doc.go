// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

// Package vaapi is the hardware backend of streamer: VA-API decode, encode
// and scaling with frames kept as GPU surfaces, and helpers that pick the
// hardware stage where a device can do the work and the software stage
// where it cannot. (Camera discovery is package v4l2.)
//
// # Route: GStreamer's va plugin
//
// Frames stay VA surfaces as GstBuffers with VAMemory, through GStreamer's
// va plugin (gst-plugins-bad 1.22: vah264dec, vah265dec, vavp8dec,
// vavp9dec, vaav1dec, vajpegdec, vapostproc, vah264enc, vah265enc and the
// low-power vah264lpenc, vah265lpenc). It is the only route on Debian 12
// that decodes, post-processes and encodes with frames staying on the GPU:
// FFmpeg's route (h264_vaapi, scale_vaapi) needs a hardware frames context
// to encode surfaces, which go-astiav v0.16.0 lacks (it would take a cgo
// shim over av_hwframe_ctx_alloc/init). gstreamer1.0-vaapi (vaapih264enc,
// memory:VASurface) is deprecated upstream and does not interoperate with
// VAMemory, so it is not used.
//
// Each stage is a gst.Transform running the va elements, named explicitly
// (va encoders and vapostproc have rank none in 1.22, so auto-plugging never
// picks them), and ending in video/x-raw(memory:VAMemory) by default:
// frames carry the GstBuffer (gst.FrameData reports frame.VASurface, and
// asking for bytes downloads the surface, counted by frame.CopiedBytes).
// The va plugin registers elements only for a device whose driver reports
// the capability, and names those of the second and later devices after
// the node (varenderD129h264dec): Device.ElementName says which.
//
// # Devices and errors
//
// Devices lists the DRM render nodes (/dev/dri/renderD*) and opens each
// with libva (vaGetDisplayDRM, vaInitialize) to read the vendor string and
// the profile × entrypoint table, mapped to streamer formats and
// operations (decode, encode, low-power encode, video processing). A node
// that does not open is listed with the reason, never a crash. NewDecoder,
// NewEncoder and NewScaler fail at once, naming what is missing: no render
// node (ErrNoDevice), a node that does not open (why: permission, no
// driver), a device that cannot do the codec (ErrUnsupported), or a va
// element GStreamer lacks (ErrMissingElement, with the package to install).
//
// VideoDecoder and VideoEncoder return the VA stage when it can be made,
// and otherwise gst's software stage with the element pinned to a CPU one
// (gst's own choice would try va* first); Chosen says which was picked and
// why.
//
// # Known gaps
//
//   - Separate gst stages are separate pipelines. The gst backend shares
//     the VA display between them (the first gst.va.display.handle context
//     made for a device is given to every va element of any pipeline that
//     asks), so a surface can cross from one stage to the next; this is
//     tested with staged context messages only, not yet with a GPU. Chain
//     joins VA stages into one pipeline, one display, one streaming path:
//     prefer it for decode → scale → encode.
//   - Uploads of CPU frames into a VA encoder or vapostproc happen inside
//     GStreamer and are not counted by frame.CopiedBytes.
//   - The decoder's surface pool is the va plugin's (sized by the decoder
//     for the stream's reference frames plus a few): a consumer that holds
//     many frames stalls the decoder. Nothing copies them out automatically.
//
// Debian packages: gstreamer1.0-plugins-bad (the va plugin) and a VA
// driver: intel-media-va-driver (Intel Broadwell and later),
// i965-va-driver (older Intel) or mesa-va-drivers (AMD; Nouveau).
package vaapi
