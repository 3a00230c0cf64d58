// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live

import (
	"strconv"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spinorml/streamer/stream"
)

// Collector is a prometheus.Collector of one graph: it reads the graph's
// Metrics and Links at each scrape, so the graph pays nothing between
// scrapes. Stage metrics carry a "stage" label; link metrics a "link" label
// ("writer->reader", with "#2" and on for a second pipe between the same
// two stages) and a "kind" label ("video", "audio", or the item type).
//
//	streamer_stage_frames_in_total, _out_total, _dropped_total, _abandoned_total  counters
//	streamer_stage_queued_frames                                                   gauge
//	streamer_stage_state{state="waiting|running|done|failed"}                       gauge, 1 for the current state
//	streamer_stage_queue_latency_seconds                                           histogram
//	streamer_stage_live_retries_total, _reconnects_total, _timeouts_total, _dropped_total, _gap_seconds_total  counters
//	streamer_link_frames_sent_total, _received_total, _dropped_total, _preview_dropped_total  counters
//	streamer_link_queued_frames, _capacity_frames, _queued_bytes                    gauges
//
// The latency histogram observes, at each scrape, each running stage's
// estimated queueing latency (frames queued in its inputs over its input
// rate: the Metrics.Latency estimate), since the graph does not time each
// frame; its buckets span 0.5 ms to 4 s. The streamer_stage_live_ counters
// are those of stream.LiveStats, present only for the stages that report
// them (Metrics.Live not nil: live network inputs and outputs).
type Collector struct {
	g       *stream.Graph
	latency *prometheus.HistogramVec

	stageIn, stageOut, stageDropped, stageAbandoned, stageQueued, stageState *prometheus.Desc

	liveRetries, liveReconnects, liveTimeouts, liveDropped, liveGaps *prometheus.Desc

	linkSent, linkReceived, linkDropped, linkPreviewDropped, linkQueued, linkCapacity, linkBytes *prometheus.Desc

	mu sync.Mutex // one scrape at a time observes the histogram
}

// NewCollector returns the collector of g; labels, which may be nil, are
// added to every metric. Register it with prometheus.Registry.Register.
func NewCollector(g *stream.Graph, labels prometheus.Labels) *Collector {
	stage := func(name, help string, extra ...string) *prometheus.Desc {
		return prometheus.NewDesc("streamer_stage_"+name, help, append([]string{"stage"}, extra...), labels)
	}
	link := func(name, help string) *prometheus.Desc {
		return prometheus.NewDesc("streamer_link_"+name, help, []string{"link", "kind"}, labels)
	}
	return &Collector{
		g: g,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:        "streamer_stage_queue_latency_seconds",
			Help:        "Estimated time a frame waits in the stage's input links (queued frames over input rate), observed at each scrape.",
			Buckets:     prometheus.ExponentialBuckets(0.0005, 2, 14),
			ConstLabels: labels,
		}, []string{"stage"}),
		stageIn:        stage("frames_in_total", "Frames the stage received from its input links."),
		stageOut:       stage("frames_out_total", "Frames the stage's output links accepted (a tee counts each branch)."),
		stageDropped:   stage("frames_dropped_total", "Frames the stage's output links dropped by their policy."),
		stageAbandoned: stage("frames_abandoned_total", "Frames released unread from the stage's inputs after it stopped."),
		stageQueued:    stage("queued_frames", "Frames waiting in the stage's input links."),
		stageState:     stage("state", "1 for the stage's current state, 0 for the others.", "state"),

		liveRetries:    stage("live_retries_total", "Reconnect attempts the live input or output began."),
		liveReconnects: stage("live_reconnects_total", "Reconnect attempts after which the live input delivered, or the output took, frames again."),
		liveTimeouts:   stage("live_timeouts_total", "Stalls of the live input longer than its timeout."),
		liveDropped:    stage("live_dropped_total", "Frames the live output released while its server was away."),
		liveGaps:       stage("live_gap_seconds_total", "Time the live input went without frames between losses and reconnects."),

		linkSent:           link("frames_sent_total", "Frames the writer sent on the link."),
		linkReceived:       link("frames_received_total", "Frames the reader took from the link."),
		linkDropped:        link("frames_dropped_total", "Frames the link dropped by its policy."),
		linkPreviewDropped: link("frames_preview_dropped_total", "Frames a preview of the link skipped; the link itself lost nothing."),
		linkQueued:         link("queued_frames", "Frames waiting in the link."),
		linkCapacity:       link("capacity_frames", "The most frames the link holds."),
		linkBytes:          link("queued_bytes", "Bytes waiting in the link (links with a byte bound or a drop policy)."),
	}
}

// Describe sends the descriptions of every metric.
func (c *Collector) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range []*prometheus.Desc{
		c.stageIn, c.stageOut, c.stageDropped, c.stageAbandoned, c.stageQueued, c.stageState,
		c.liveRetries, c.liveReconnects, c.liveTimeouts, c.liveDropped, c.liveGaps,
		c.linkSent, c.linkReceived, c.linkDropped, c.linkPreviewDropped, c.linkQueued, c.linkCapacity, c.linkBytes,
	} {
		ch <- d
	}
	c.latency.Describe(ch)
}

// Collect reads the graph and sends every metric.
func (c *Collector) Collect(ch chan<- prometheus.Metric) {
	c.mu.Lock()
	defer c.mu.Unlock()
	counter := func(d *prometheus.Desc, v uint64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.CounterValue, float64(v), labels...)
	}
	gauge := func(d *prometheus.Desc, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(d, prometheus.GaugeValue, v, labels...)
	}
	for _, m := range c.g.Metrics() {
		counter(c.stageIn, m.In, m.Stage)
		counter(c.stageOut, m.Out, m.Stage)
		counter(c.stageDropped, m.Dropped, m.Stage)
		counter(c.stageAbandoned, m.Abandoned, m.Stage)
		gauge(c.stageQueued, float64(m.Queued), m.Stage)
		for _, s := range []stream.State{stream.Waiting, stream.Running, stream.Done, stream.Failed} {
			v := 0.0
			if s == m.State {
				v = 1
			}
			gauge(c.stageState, v, m.Stage, s.String())
		}
		if m.State == stream.Running {
			c.latency.WithLabelValues(m.Stage).Observe(m.Latency.Seconds())
		}
		if l := m.Live; l != nil {
			counter(c.liveRetries, l.Retries, m.Stage)
			counter(c.liveReconnects, l.Reconnects, m.Stage)
			counter(c.liveTimeouts, l.Timeouts, m.Stage)
			counter(c.liveDropped, l.Dropped, m.Stage)
			ch <- prometheus.MustNewConstMetric(c.liveGaps, prometheus.CounterValue, l.Gaps.Seconds(), m.Stage)
		}
	}
	c.latency.Collect(ch)
	seen := map[string]int{}
	for _, l := range c.g.Links() {
		name := l.From + "->" + l.To
		if seen[name]++; seen[name] > 1 {
			name += "#" + strconv.Itoa(seen[name])
		}
		counter(c.linkSent, l.Sent, name, l.Kind)
		counter(c.linkReceived, l.Received, name, l.Kind)
		counter(c.linkDropped, l.Dropped, name, l.Kind)
		counter(c.linkPreviewDropped, l.TapDropped, name, l.Kind)
		gauge(c.linkQueued, float64(l.Queued), name, l.Kind)
		gauge(c.linkCapacity, float64(l.Capacity), name, l.Kind)
		gauge(c.linkBytes, float64(l.Bytes), name, l.Kind)
	}
}
