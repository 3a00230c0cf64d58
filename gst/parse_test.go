// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/spinorml/streamer/gst"
)

// Launch parses what gst-launch-1.0 parses, whatever comes first, and
// refuses with an error the descriptions that crash GStreamer 1.22's own
// parser (found by FuzzLaunch; each crashed the process before).
func TestLaunchParses(t *testing.T) {
	noLeaks(t)
	for _, desc := range []string{
		"videotestsrc ! fakesink",
		"videotestsrc",
		"t. ! queue ! fakesink videotestsrc ! tee name=t",
		"( videotestsrc ! queue ) ! fakesink",
		"bin.( videotestsrc ! queue ) ! fakesink",
		"file:///dev/null ! fakesink",
		"  videotestsrc ! fakesink  ",
		"pipeline.( latency=1000000 videotestsrc ! fakesink )",
	} {
		pl, err := gst.Launch(desc, nil)
		if err != nil {
			t.Errorf("%q: %v", desc, err)
			continue
		}
		pl.Stop()
	}
	for desc, want := range map[string]string{
		"a. ! a.":                         `No src-element named "a"`,
		"x name=a a. ! a.":                "loop back through a",
		"videotestsrc nPme=a a. ! a.":     `no property "nPme"`,
		"videotestsrc pattern=zz a. ! a.": `could not set property "pattern"`,
		":!0.!0.":                         "syntax error",
		"\r.0,!@=====0.!0.!0":             "syntax error",
		"/0name=t t.!t.":                  `no source element for URI`,
		"x a. ! a.\xff\xff.":              `missing GStreamer element "x"`,
		"name=x videotestsrc ! fakesink":  "syntax error",
		"! fakesink":                      "syntax error",
		"t. ! queue ! tee name=t":         "loop back through t",
		"":                                "no element",
		"t. ! queue ! tee name=t\x00x":    "NUL byte",
	} {
		pl, err := gst.Launch(desc, nil)
		if err == nil {
			pl.Stop()
			t.Errorf("%q: no error", desc)
			continue
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%q: %v, want it to say %q", desc, err, want)
		}
	}
}

// A description that is one pipeline of its own is that pipeline, with its
// properties, and it plays to the end.
func TestLaunchOfAPipeline(t *testing.T) {
	noLeaks(t)
	pl, err := gst.Launch("pipeline.( latency=20000000 videotestsrc num-buffers=5 ! fakesink )", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer pl.Stop()
	if v, err := pl.Gst().GetProperty("latency"); err != nil || v != uint64(20000000) {
		t.Errorf("latency %v (%v), want 20000000", v, err)
	}
	if err := pl.Start(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := pl.Wait(ctx); err != nil {
		t.Fatal(err)
	}
}
