// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage_test

import (
	"context"
	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"testing"
)

func TestNameOfGeneric(t *testing.T) {
	s := stage.SourceFunc[frame.Video](func(context.Context, stage.Out[frame.Video]) error { return nil })
	if got := stage.NameOf(s); got != "stage.SourceFunc[frame.Video]" {
		t.Fatal(got)
	}
	if got := stage.NameOf(new(int)); got != "*int" {
		t.Fatal(got)
	}
}
