// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"strings"
	"testing"
)

// FuzzLaunch parses launch descriptions (outside input: a user's or a
// config file's pipeline) into pipelines and frees them, never playing them,
// so no element opens a file or device. Each either parses or gives an error
// that says it is GStreamer's and names what was wrong; nothing panics,
// crashes or leaks a pipeline.
func FuzzLaunch(f *testing.F) {
	for _, s := range []string{
		"videotestsrc ! videoconvert ! fakesink",
		"videotestsrc num-buffers=10 ! video/x-raw,width=320,height=240 ! x264enc tune=zerolatency ! h264parse ! fakesink",
		"audiotestsrc ! tee name=t t. ! queue ! fakesink t. ! queue ! fakesink",
		"videotestsrc ! appsink name=out",
		"appsrc name=in ! videoconvert ! appsink name=out",
		"bin.( identity ! identity ) ! fakesink",
		"filesrc location=\"/no/such file.mp4\" ! decodebin ! fakesink",
		"videotestsrc ! nosuchelement ! fakesink",
		"videotestsrc ! ! fakesink", "! fakesink", "videotestsrc !", "(", ")", "t.", "name=x",
		"videotestsrc pattern=nosuchpattern ! fakesink",
		"videotestsrc ! video/x-raw,width=[1,2 ! fakesink",
		"fakesrc ! capsfilter caps=\"video/x-raw,format=I420\" ! fakesink",
		"", " ", "\x00", "videotestsrc name=a a. ! a.",
	} {
		f.Add(s)
	}
	Init()
	f.Fuzz(func(t *testing.T, desc string) {
		pl, err := Launch(desc, nil)
		if err != nil {
			if pl != nil {
				t.Fatalf("%q: a pipeline and an error %v", desc, err)
			}
			if !strings.HasPrefix(err.Error(), "gst: ") {
				t.Fatalf("%q: error does not say it is gst's: %v", desc, err)
			}
			return
		}
		if pl == nil {
			t.Fatalf("%q: neither a pipeline nor an error", desc)
		}
		pl.Stop()
	})
}
