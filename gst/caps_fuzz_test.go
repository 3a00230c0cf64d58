// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import "testing"

// FuzzCaps parses caps strings (outside input: a user's caps filter, a
// peer's caps) with GStreamer and reads them as streamer does. Caps that
// GStreamer accepts either map to a frame format or give an error; nothing
// panics or crashes.
func FuzzCaps(f *testing.F) {
	for _, s := range []string{
		"video/x-raw,format=I420,width=320,height=240,framerate=30/1",
		"video/x-raw(memory:VAMemory),format=NV12,width=1920,height=1080",
		"video/x-raw,format=Y444,width=1,height=1",
		"video/x-raw,format=RGBA,width=2147483647,height=2147483647",
		"audio/x-raw,format=F32LE,layout=non-interleaved,rate=48000,channels=8",
		"video/x-h264,stream-format=avc,alignment=au,codec_data=(buffer)0164001fffe1",
		"video/x-h265,profile=main,level=(string)4.1",
		"audio/mpeg,mpegversion=4,stream-format=raw,codec_data=(buffer)1190",
		"audio/x-opus,channel-mapping-family=0",
		"image/jpeg", "video/x-av1", "application/x-rtp", "ANY", "EMPTY", "",
		"video/x-raw,format={I420,NV12}", "video/x-raw,width=[1,100]",
	} {
		f.Add(s)
	}
	Init()
	f.Fuzz(func(t *testing.T, s string) {
		ci, ok, err := parseCapsString(s)
		if !ok || err != nil {
			return
		}
		if ci.format.IsVideo() && !ci.format.IsEncoded() && ci.nplanes == 0 && ci.width > 0 {
			t.Errorf("%q: raw video without a plane layout", s)
		}
		ci.free()
	})
}
