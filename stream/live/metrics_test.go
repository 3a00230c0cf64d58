// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/spinorml/streamer/stream/live"
)

// scrape reads /metrics with Prometheus's own text parser.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") {
		t.Fatalf("Content-Type %q", ct)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// value returns the value of the sample of family name whose labels
// include want; ok is false when there is none.
func value(fams map[string]*dto.MetricFamily, name string, want map[string]string) (v float64, ok bool) {
	f := fams[name]
	if f == nil {
		return 0, false
	}
next:
	for _, m := range f.Metric {
		for k, v := range want {
			found := false
			for _, l := range m.Label {
				if l.GetName() == k && l.GetValue() == v {
					found = true
				}
			}
			if !found {
				continue next
			}
		}
		switch {
		case m.Counter != nil:
			return m.Counter.GetValue(), true
		case m.Gauge != nil:
			return m.Gauge.GetValue(), true
		case m.Histogram != nil:
			return float64(m.Histogram.GetSampleCount()), true
		}
	}
	return 0, false
}

// /metrics, parsed by the Prometheus text parser: every stage and link is
// labelled, counters advance between scrapes, a failed stage's state
// gauge says so, a stage that reports live counters has them (and no
// other stage does), and the runtime's own metrics are there.
func TestMetricsScrapedByPrometheusParser(t *testing.T) {
	d := newDemo(t)
	hs := serve(t, live.New(d.g, live.MetricLabels(map[string]string{"graph": "demo"})))

	first := scrape(t, hs.URL)
	for _, stage := range d.stages {
		for _, name := range []string{"streamer_stage_frames_in_total", "streamer_stage_frames_out_total", "streamer_stage_frames_dropped_total", "streamer_stage_queued_frames"} {
			if _, ok := value(first, name, map[string]string{"stage": stage, "graph": "demo"}); !ok {
				t.Errorf("no %s{stage=%q}", name, stage)
			}
		}
		if v, ok := value(first, "streamer_stage_state", map[string]string{"stage": stage, "state": "running"}); !ok || v != 1 {
			t.Errorf("%s: running = %v, %v", stage, v, ok)
		}
	}
	link := map[string]string{"link": "tee->watermark", "kind": "video"}
	for _, name := range []string{"streamer_link_frames_sent_total", "streamer_link_frames_dropped_total", "streamer_link_queued_frames", "streamer_link_frames_preview_dropped_total"} {
		if _, ok := value(first, name, link); !ok {
			t.Errorf("no %s%v", name, link)
		}
	}
	if v, _ := value(first, "streamer_link_capacity_frames", map[string]string{"link": "watermark->recorder"}); v != 2 {
		t.Errorf("capacity of watermark->recorder: %v, want 2", v)
	}
	if _, ok := value(first, "streamer_link_frames_sent_total", map[string]string{"link": "analyze->scores", "kind": "live_test.Score"}); !ok {
		t.Error("the typed link has no metrics")
	}
	for name, want := range map[string]float64{
		"streamer_stage_live_retries_total": 3, "streamer_stage_live_reconnects_total": 2, "streamer_stage_live_timeouts_total": 1,
		"streamer_stage_live_dropped_total": 7, "streamer_stage_live_gap_seconds_total": 1.5,
	} {
		if v, ok := value(first, name, map[string]string{"stage": "recorder", "graph": "demo"}); !ok || v != want {
			t.Errorf("%s{stage=\"recorder\"} = %v, %v; want %v", name, v, ok, want)
		}
		if v, ok := value(first, name, map[string]string{"stage": "camera"}); ok {
			t.Errorf("%s{stage=\"camera\"} = %v for a stage that reports no live counters", name, v)
		}
	}
	if _, ok := value(first, "go_goroutines", nil); !ok {
		t.Error("no Go runtime metrics")
	}

	// Counters advance: scrape until the camera has sent more.
	camera := map[string]string{"stage": "camera"}
	before, _ := value(first, "streamer_stage_frames_out_total", camera)
	var fams map[string]*dto.MetricFamily
	for {
		fams = scrape(t, hs.URL)
		if now, _ := value(fams, "streamer_stage_frames_out_total", camera); now > before {
			break
		}
	}
	if n, _ := value(fams, "streamer_stage_queue_latency_seconds", camera); n < 2 {
		t.Errorf("latency histogram of camera has %v samples after two scrapes", n)
	}

	close(d.fail)
	if err := d.wait(); !errors.Is(err, errDiskFull) {
		t.Fatalf("Run: %v", err)
	}
	last := scrape(t, hs.URL)
	if v, _ := value(last, "streamer_stage_state", map[string]string{"stage": "recorder", "state": "failed"}); v != 1 {
		t.Errorf("recorder's failed state gauge: %v", v)
	}
}
