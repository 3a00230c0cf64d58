// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/live"
)

// Serve a graph's live page on 127.0.0.1 while it runs, then read its
// metrics as a script would.
func Example() {
	g := stream.New()
	video := stream.AddSource(g, "camera", &stage.Pattern{Width: 320, Height: 240, Frames: 90})
	stream.AddSink(g, "display", video, &stage.Null[frame.Video]{})

	page := live.New(g, live.Title("camera"))
	ln, err := net.Listen("tcp", "127.0.0.1:0") // what you bind is what is reachable
	if err != nil {
		fmt.Println(err)
		return
	}
	server := &http.Server{Handler: page}
	go server.Serve(ln)
	defer func() {
		server.Close() // closes connections: open previews and event streams end
		page.Close()   // and waits for their handlers
	}()
	// The page is at http://<ln.Addr()>/ for as long as the server runs.

	if err := g.Run(context.Background()); err != nil {
		fmt.Println(err)
		return
	}
	resp, err := http.Get("http://" + ln.Addr().String() + "/metrics.json")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer resp.Body.Close()
	var snap live.Snapshot
	if err := json.NewDecoder(resp.Body).Decode(&snap); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(snap.State)
	for _, s := range snap.Stages {
		fmt.Println(s.Name, s.State, s.In, s.Out)
	}
	// Output:
	// done
	// camera done 0 90
	// display done 90 0
}
