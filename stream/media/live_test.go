// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/frame/frametest"
	"github.com/spinorml/streamer/stage"
	"github.com/spinorml/streamer/stream"
	"github.com/spinorml/streamer/stream/media"
)

// scripted is a Demuxer whose every Run plays the next session of a
// script: the reconnect logic is under test here, not a backend (the
// network conformance suite runs it against real servers).
type scripted struct {
	mu       sync.Mutex
	sessions []session
	runs     int
}

type session func(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error

var (
	scripts    = map[string]*scripted{}
	outScripts = map[string]*scriptedOut{}
)

func init() {
	media.Register(media.Backend{Name: "test-live", Open: func(in media.Input) (media.Demuxer, error) {
		if s, ok := scripts[in.URL]; ok {
			return s, nil
		}
		return nil, media.Unsupported("no script for %s", in.URL)
	}, Write: func(out media.Output) (media.Muxer, error) {
		if s, ok := outScripts[out.URL]; ok {
			return s, nil
		}
		return nil, media.Unsupported("no script for %s", out.URL)
	}})
}

func (s *scripted) Streams() media.Streams { return media.Streams{Video: frame.H264, Audio: frame.AAC} }

func (s *scripted) Run(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
	s.mu.Lock()
	n := s.runs
	s.runs++
	s.mu.Unlock()
	if n >= len(s.sessions) {
		return errors.New("connection refused")
	}
	return s.sessions[n](ctx, video, audio)
}

const (
	videoStep = 40 * time.Millisecond
	audioStep = 20 * time.Millisecond
)

// send sends n video frames and 2n audio frames, from timestamp 0 as a
// fresh connection's are, interleaved as a demuxer would; n < 0 sends
// until the outputs stop taking them. It returns end.
func send(n int, end error) session {
	return func(ctx context.Context, video stage.Out[frame.Video], audio stage.Out[frame.Audio]) error {
		for i := 0; n < 0 || i < n; i++ {
			t := time.Duration(i) * videoStep
			v := frame.Video{Data: frame.NewBytes([]byte{1}), Format: frame.H264, PTS: t, DTS: t, Duration: videoStep, Keyframe: true}
			if !video.Send(v) {
				return ctx.Err()
			}
			for j := range 2 {
				t := time.Duration(2*i+j) * audioStep
				if !audio.Send(frame.Audio{Data: frame.NewBytes([]byte{2}), Format: frame.AAC, PTS: t, DTS: t, Duration: audioStep}) {
					return ctx.Err()
				}
			}
		}
		return end
	}
}

// stall sends nothing until cancelled, as a server that stopped sending.
func stall(ctx context.Context, _ stage.Out[frame.Video], _ stage.Out[frame.Audio]) error {
	<-ctx.Done()
	return ctx.Err()
}

// collect runs d in a graph and returns what reached the end of it; the
// graph's metrics after the run go to *ms when ms is not nil.
func collect(t *testing.T, d media.Demuxer, stopAfter int, ms ...*[]stream.Metrics) ([]frame.Video, []frame.Audio, error) {
	t.Helper()
	g := stream.New()
	vp, ap := media.AddInput(g, "input", d)
	var vs []frame.Video
	var as []frame.Audio
	g.Add("video sink", func(ctx context.Context) error {
		for v := range vp.In().All() {
			vs = append(vs, frame.Video{PTS: v.PTS, DTS: v.DTS, Duration: v.Duration})
			v.Release()
			if len(vs) == stopAfter {
				g.Stop()
			}
		}
		return nil
	}).Reads(vp)
	g.Add("audio sink", func(ctx context.Context) error {
		for a := range ap.In().All() {
			as = append(as, frame.Audio{PTS: a.PTS, DTS: a.DTS, Duration: a.Duration})
			a.Release()
		}
		return nil
	}).Reads(ap)
	err := g.Run(context.Background())
	for _, m := range ms {
		*m = g.Metrics()
	}
	return vs, as, err
}

// A live input that fails, stalls, ends and is refused is reopened with
// backoff each time until its attempts are spent; the frames of each new
// session continue the timestamps of the last, audio and video shifted
// alike, and every attempt is reported and counted.
func TestReconnectResumesWithContinuousTimestamps(t *testing.T) {
	frametest.NoLeaks(t)
	url := "rtmp://test/reconnect"
	scripts[url] = &scripted{sessions: []session{send(10, errors.New("connection reset")), stall, send(10, nil)}}
	var mu sync.Mutex
	var events []media.Event
	d, err := media.Open(media.Input{URL: url, Timeout: 50 * time.Millisecond,
		Reconnect: &media.Backoff{Initial: time.Millisecond, Max: 4 * time.Millisecond, Attempts: 2},
		OnEvent: func(e media.Event) {
			mu.Lock()
			events = append(events, e)
			mu.Unlock()
		}}, "test-live")
	if err != nil {
		t.Fatal(err)
	}
	var ms []stream.Metrics
	vs, as, err := collect(t, d, 0, &ms)
	if err == nil || !strings.Contains(err.Error(), "connection refused") || !strings.Contains(err.Error(), url) ||
		!strings.Contains(err.Error(), "gave up after 2") {
		t.Errorf("Run: %v; want it to give up after 2 refused attempts, naming %s", err, url)
	}
	if len(vs) != 20 || len(as) != 40 {
		t.Fatalf("got %d video and %d audio frames, want 20 and 40", len(vs), len(as))
	}
	for i := 1; i < len(vs); i++ {
		if vs[i].PTS <= vs[i-1].PTS || vs[i].DTS <= vs[i-1].DTS {
			t.Errorf("video frame %d at %v after %v: timestamps go back", i, vs[i].PTS, vs[i-1].PTS)
		}
	}
	for i := 1; i < len(as); i++ {
		if as[i].PTS <= as[i-1].PTS {
			t.Errorf("audio frame %d at %v after %v: timestamps go back", i, as[i].PTS, as[i-1].PTS)
		}
	}
	// The second session starts after the first ended, and keeps audio
	// where it was sent against video.
	if vs[10].PTS < vs[9].PTS+videoStep {
		t.Errorf("the second session starts at %v, before the first ended (%v)", vs[10].PTS, vs[9].PTS+videoStep)
	}
	if vs[10].PTS != as[20].PTS || vs[15].PTS != as[30].PTS {
		t.Errorf("after the reconnect video is at %v and %v, audio at %v and %v: want them aligned as sent", vs[10].PTS, vs[15].PTS, as[20].PTS, as[30].PTS)
	}
	var kinds []string
	for _, e := range events {
		kinds = append(kinds, e.Kind.String())
	}
	want := "reconnecting reconnecting reconnected reconnecting reconnecting gave up"
	if got := strings.Join(kinds, " "); got != want {
		t.Errorf("events: %s; want %s\n%v", got, want, events)
	}
	if len(events) == 6 {
		if !errors.Is(events[1].Err, media.ErrTimeout) || !errors.Is(events[3].Err, media.ErrEnded) {
			t.Errorf("events say %v and %v: want the stall's timeout and the end", events[1].Err, events[3].Err)
		}
		if events[2].Attempt != 2 || events[1].Wait != 2*time.Millisecond {
			t.Errorf("reconnected at attempt %d after a wait of %v: want attempt 2, 2ms (backoff doubling)", events[2].Attempt, events[1].Wait)
		}
	}
	st, ok := media.Stats(d)
	if !ok || st.Retries != 4 || st.Reconnects != 1 || st.Timeouts != 1 {
		t.Errorf("Stats: %+v, %v; want 4 retries, 1 reconnect, 1 timeout", st, ok)
	}
	// The graph reports the same counters for the input's stage, and
	// none for the sinks.
	if l := ms[0].Live; ms[0].Stage != "input" || l == nil || *l != st || l.Gaps <= 0 {
		t.Errorf("Metrics of %s: Live %+v; want %+v with a gap", ms[0].Stage, l, st)
	}
	if ms[1].Live != nil {
		t.Errorf("Metrics of %s: Live %+v; want nil", ms[1].Stage, ms[1].Live)
	}
	if s := ms[0].String(); !strings.Contains(s, "retries=4 reconnects=1 timeouts=1") {
		t.Errorf("Metrics.String: %s; want the reconnect counters", s)
	}
}

// A stalled live input without Reconnect fails with ErrTimeout naming
// its URL, and never hangs.
func TestStallTimesOut(t *testing.T) {
	frametest.NoLeaks(t)
	url := "srt://test/stall"
	scripts[url] = &scripted{sessions: []session{func(ctx context.Context, v stage.Out[frame.Video], a stage.Out[frame.Audio]) error {
		if err := send(3, nil)(ctx, v, a); err != nil {
			return err
		}
		return stall(ctx, v, a)
	}}}
	d, err := media.Open(media.Input{URL: url, Timeout: 20 * time.Millisecond}, "test-live")
	if err != nil {
		t.Fatal(err)
	}
	vs, _, err := collect(t, d, 0)
	if !errors.Is(err, media.ErrTimeout) || !strings.Contains(err.Error(), url) {
		t.Errorf("Run: %v; want a timeout naming %s", err, url)
	}
	if len(vs) != 3 {
		t.Errorf("got %d frames before the stall, want 3", len(vs))
	}
}

// A graceful stop of the graph ends a live input with reconnects on: no
// reconnect, Run returns nil, every frame released.
func TestGracefulStopEndsALiveInput(t *testing.T) {
	frametest.NoLeaks(t)
	url := "rtsp://test/stop"
	scripts[url] = &scripted{sessions: []session{send(-1, nil)}}
	d, err := media.Open(media.Input{URL: url, Reconnect: &media.Backoff{}}, "test-live")
	if err != nil {
		t.Fatal(err)
	}
	vs, as, err := collect(t, d, 25)
	if err != nil {
		t.Fatalf("Run after Stop: %v", err)
	}
	if len(vs) < 25 || len(as) < 2*len(vs)-2 {
		t.Errorf("got %d video and %d audio frames: want at least 25, audio ending with video", len(vs), len(as))
	}
	if st, _ := media.Stats(d); st.Retries != 0 {
		t.Errorf("%d retries after a graceful stop", st.Retries)
	}
}

// Cancelling the run while the input waits for its backoff returns at once.
func TestCancelDuringBackoff(t *testing.T) {
	url := "udp://test/cancel"
	scripts[url] = &scripted{}
	reconnecting := make(chan struct{}, 1)
	d, err := media.Open(media.Input{URL: url, Reconnect: &media.Backoff{Initial: time.Hour},
		OnEvent: func(e media.Event) { reconnecting <- struct{}{} }}, "test-live")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() { <-reconnecting; cancel() }()
	if err := d.Run(ctx, stage.Out[frame.Video]{}, stage.Out[frame.Audio]{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Run: %v, want context.Canceled", err)
	}
}

func TestLiveDescriptions(t *testing.T) {
	for _, c := range []struct {
		in   media.Input
		want time.Duration
	}{
		{media.Input{URL: "rtsp://cam/1"}, media.DefaultTimeout},
		{media.Input{URL: "http://cdn/live.m3u8", Timeout: time.Second}, time.Second},
		{media.Input{URL: "srt://relay:9000", Timeout: -1}, 0},
		{media.Input{URL: "in.mp4"}, 0},
		{media.Input{URL: "file:///in.mp4"}, 0},
		{media.Input{URL: "/dev/video0"}, 0},
	} {
		if got := c.in.StallTimeout(); got != c.want {
			t.Errorf("%s timeout %v: StallTimeout %v, want %v", c.in.URL, c.in.Timeout, got, c.want)
		}
	}
	for _, c := range []struct{ url, container string }{
		{"rtmp://host/live/key", "flv"}, {"RTMPS://host/live/key", "flv"}, {"srt://host:9000?mode=caller", "mpegts"},
		{"udp://239.0.0.1:5000", "mpegts"}, {"rtp://127.0.0.1:5004", "mpegts"}, {"rtsp://host/cam", "rtsp"},
		{"out/live.m3u8", "hls"}, {"out/hls/", "hls"}, {"whip+https://sfu/whip/room", "whip"}, {"http://host/x.ts?token=1", "mpegts"}, {"x.mp4", "mp4"},
	} {
		got, err := media.ContainerOf(media.Output{URL: c.url})
		if err != nil || got.Name != c.container {
			t.Errorf("ContainerOf(%s) = %s, %v; want %s", c.url, got.Name, err, c.container)
		}
	}
	if err := (media.Output{URL: "rtsp://host/cam", Video: frame.VP8}).Validate(); err == nil {
		t.Error("VP8 into RTSP passed Validate")
	}
	if err := (media.Input{URL: "rtsp://h/c", Transport: "quic"}).Validate(); err == nil {
		t.Error("Transport quic passed Validate")
	}
	if err := (media.Input{URL: "rtsp://h/c", Reconnect: &media.Backoff{Initial: time.Second, Max: time.Millisecond}}).Validate(); err == nil {
		t.Error("a backoff starting above its Max passed Validate")
	}
	for _, c := range []struct{ url, playlist, segments string }{
		{"out/live.m3u8", "out/live.m3u8", "out/live%05d.ts"},
		{"out/hls/", "out/hls/index.m3u8", "out/hls/index%05d.ts"},
		{"out/hls", "out/hls/index.m3u8", "out/hls/index%05d.ts"},
	} {
		if p, s := media.HLSPaths(media.Output{URL: c.url}); p != c.playlist || s != c.segments {
			t.Errorf("HLSPaths(%s) = %s, %s; want %s, %s", c.url, p, s, c.playlist, c.segments)
		}
	}
	e := media.VideoEncoding{Codec: frame.H264}.Live(frame.Rational{Num: 30000, Den: 1001})
	if e.KeyframeInterval != 30 || !e.LowLatency || e.Preset != media.PresetFast {
		t.Errorf("Live: %+v; want a key frame a second, low latency, the fast preset", e)
	}
	if !(media.Output{URL: "srt://h:1"}).Live() || (media.Output{URL: "x.ts"}).Live() {
		t.Error("Live: want srt:// live and a file not")
	}
	if d, err := media.Open(media.Input{URL: "rtsp://test/stop", Timeout: -1}, "test-live"); err == nil {
		if _, ok := media.Stats(d); ok {
			t.Error("an input without timeout or reconnect is wrapped")
		}
	}
}

// scriptedOut is a Muxer whose every Run plays the next session of a
// script.
type scriptedOut struct {
	mu       sync.Mutex
	sessions []func(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error
	runs     int
}

func (s *scriptedOut) Run(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
	s.mu.Lock()
	n := s.runs
	s.runs++
	s.mu.Unlock()
	return s.sessions[n](ctx, video, audio)
}

// A live output whose server goes away publishes again after the backoff:
// the frames meanwhile are released, the new session starts at a key
// frame, and the output ends cleanly with the inputs.
func TestOutputReconnects(t *testing.T) {
	frametest.NoLeaks(t)
	resumed := make(chan struct{})
	// A new session drops audio until its first video key frame: the
	// audio starts once the session has that frame.
	keyed := make(chan struct{})
	var got []frame.Video
	var gotAudio int
	out := &scriptedOut{sessions: []func(context.Context, stage.In[frame.Video], stage.In[frame.Audio]) error{
		func(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
			for range 5 {
				v, _ := video.Recv()
				v.Release()
			}
			return errors.New("broken pipe")
		},
		func(context.Context, stage.In[frame.Video], stage.In[frame.Audio]) error {
			return errors.New("connection refused")
		},
		func(ctx context.Context, video stage.In[frame.Video], audio stage.In[frame.Audio]) error {
			close(resumed)
			var wg sync.WaitGroup
			wg.Go(func() {
				for a := range audio.All() {
					gotAudio++
					a.Release()
				}
			})
			for v := range video.All() {
				if len(got) == 0 {
					close(keyed)
				}
				got = append(got, frame.Video{PTS: v.PTS, Keyframe: v.Keyframe})
				v.Release()
			}
			wg.Wait()
			return nil
		},
	}}
	outScripts["rtmp://test/out"] = out
	var events []string
	m, err := media.Create(media.Output{URL: "rtmp://test/out", Reconnect: &media.Backoff{Initial: time.Millisecond},
		OnEvent: func(e media.Event) { events = append(events, e.Kind.String()) }}, "test-live-out")
	if err != nil {
		t.Fatal(err)
	}
	g := stream.New()
	video := stream.AddSource(g, "video", stage.SourceFunc[frame.Video](func(ctx context.Context, out stage.Out[frame.Video]) error {
		for i := range 30 {
			if i == 10 {
				<-resumed
			}
			t := time.Duration(i) * videoStep
			if !out.Send(frame.Video{Data: frame.NewBytes([]byte{1}), Format: frame.H264, PTS: t, DTS: t, Duration: videoStep, Keyframe: i%5 == 0}) {
				return ctx.Err()
			}
		}
		return nil
	}))
	audio := stream.AddSource(g, "audio", stage.SourceFunc[frame.Audio](func(ctx context.Context, out stage.Out[frame.Audio]) error {
		<-keyed
		for i := range 60 {
			t := time.Duration(i) * audioStep
			if !out.Send(frame.Audio{Data: frame.NewBytes([]byte{2}), Format: frame.AAC, PTS: t, DTS: t, Duration: audioStep}) {
				return ctx.Err()
			}
		}
		return nil
	}))
	node := media.AddOutput(g, "output", m, video, audio)
	if err := g.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if len(got) != 20 || !got[0].Keyframe || got[0].PTS != 10*videoStep {
		t.Errorf("the new session got %d video frames from %+v: want the 20 from frame 10, a key frame", len(got), got[:min(1, len(got))])
	}
	if gotAudio == 0 {
		t.Error("the new session got no audio")
	}
	if want := "reconnecting reconnecting reconnected"; strings.Join(events, " ") != want {
		t.Errorf("events %v, want %s", events, want)
	}
	st, ok := media.Stats(m)
	if !ok || st.Retries != 2 || st.Reconnects != 1 || st.Dropped == 0 {
		t.Errorf("Stats %+v, %v: want 2 retries, 1 reconnect, frames dropped", st, ok)
	}
	for _, ms := range g.Metrics() {
		if ms.Stage == node.Name() && (ms.Live == nil || *ms.Live != st) {
			t.Errorf("Metrics of %s: Live %+v; want %+v", ms.Stage, ms.Live, st)
		}
	}
}
