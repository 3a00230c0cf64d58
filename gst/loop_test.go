// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import "testing"

func TestLaunchLoop(t *testing.T) {
	for _, c := range []struct {
		desc string
		loop string // "" when there is none
	}{
		{"videotestsrc ! videoconvert ! fakesink", ""},
		{"videotestsrc ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink", ""},
		{"t. ! queue ! fakesink videotestsrc ! tee name=t", ""},
		{"mp4mux name=m ! filesink location=o.mp4 videotestsrc ! x264enc ! m. audiotestsrc ! voaacenc ! m.", ""},
		{"filesrc location=in.mp4 ! qtdemux name=d d.video_0 ! queue ! fakesink d.audio_0 ! queue ! fakesink", ""},
		{"videotestsrc ! bin.( queue ! identity ) ! fakesink", ""},
		{`filesrc location="a ! b.mp4" name = src ! fakesink`, ""},
		{"videotestsrc ! video/x-raw,width=320 ! fakesink", ""},
		{"t. ! queue ! tee name=t", "t"},
		{"audiotestsrc fakesink t. ! queue! tee name=t t. ! queue ! fakesink", "t"},
		{"a. ! b. identity name=a identity name=b b. ! a.", "a"},
		{"identity name=a ! a.", "a"},
		{"x. ! identity name = \"x\"", "x"},
		{"videotestsrc ! identity name=i ! queue ! i.sink", "i"},
		{`audiotestsrc" fakesink t. ! queue! tee name=t`, "t"}, // an unclosed quote is a plain byte
		{`filesrc location="x ! fakesink t. ! queue! tee name=t`, "t"},
		{"t. : queue ! tee name=t", "t"},
		{"#x t. ! queue ! tee name=t", "t"}, // GStreamer 1.22 has no comments
		{"fakesrc ! tee name=t tee name=t t. ! queue ! t.", "t"},
		{"t. ! queue ! tee name=t name=u", "t"},
		{"( t. ! queue ) ! tee name=t", "t"},
		{"videotestsrc ! ( queue ! identity ) ! ( queue ! fakesink )", ""},
		{"tee name=t ! ( queue ! bin.( identity ! t. ) )", "t"},
	} {
		at, loop := launchLoop(c.desc)
		if loop != (c.loop != "") || at != c.loop {
			t.Errorf("%q: loop %v through %q, want %q", c.desc, loop, at, c.loop)
		}
	}
}
