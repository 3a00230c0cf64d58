// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/spinorml/streamer/stream/live"
)

// chromium is Debian's browser, which `task deps` installs.
const chromium = "/usr/bin/chromium"

// browser starts a headless chromium for t and returns its context; the
// browser is closed when the test ends, before the servers it watches.
func browser(t *testing.T) context.Context {
	t.Helper()
	if _, err := os.Stat(chromium); err != nil {
		t.Skipf("no browser: %v (task deps installs Debian's chromium)", err)
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(browserProfile(t)),
		chromedp.WindowSize(1400, 900),
	)
	actx, acancel := chromedp.NewExecAllocator(context.Background(), opts...)
	bctx, bcancel := chromedp.NewContext(actx)
	t.Cleanup(func() {
		bcancel()
		acancel() // waits for the browser to exit: its connections close
	})
	// Start the browser with no deadline: a deadline on the first Run
	// would be the browser's lifetime.
	if err := chromedp.Do(bctx); err != nil {
		t.Fatalf("start %s: %v", chromium, err)
	}
	return bctx
}

// The page, in a real browser: every stage of a running graph appears, a
// counter advances, the MJPEG preview of a video link shows frames, and a
// stage that fails shows its error. The screenshot is kept in the test's
// temporary folder and, when LIVE_SCREENSHOT names a file, copied there.
func TestPageInChromium(t *testing.T) {
	d := newDemo(t)
	srv := live.New(d.g, live.Title("camera → analysis + recorder"), live.Interval(250*time.Millisecond))
	hs := serve(t, srv)
	bctx := browser(t)                                       // closed before serve's cleanup runs
	ctx, cancel := context.WithTimeout(bctx, 90*time.Second) // a guard against hangs only
	defer cancel()

	do := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	text := func(what, sel string) string {
		t.Helper()
		s, err := chromedp.Run(ctx, chromedp.TextContent(chromedp.CSS(sel)))
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		return s
	}

	do("load the page", chromedp.Navigate(hs.URL+"/"), chromedp.WaitVisible(chromedp.CSS("#stages tbody tr")))

	// Every stage, in the table and in the drawing.
	names, err := chromedp.Run(ctx, poll[[]string](fmt.Sprintf(`(() => {
		const rows = [...document.querySelectorAll("#stages tbody td.name")].map(td => td.textContent);
		return rows.length === %d && document.querySelector("#graph svg") ? rows : false; })()`, len(d.stages))))
	if err != nil || strings.Join(names, ",") != strings.Join(d.stages, ",") {
		t.Fatalf("stages on the page %q, want %q (%v)", names, d.stages, err)
	}
	drawn := text("read the drawing", "#graph svg")
	for _, name := range d.stages {
		if !strings.Contains(drawn, name) {
			t.Errorf("the drawing lacks stage %q: %q", name, drawn)
		}
	}
	if state := text("read the state", "#state"); state != "running" {
		t.Errorf("graph state %q, want running", state)
	}

	// A counter advances: the camera's frames out, read twice.
	first, err := chromedp.Run(ctx, chromedp.Evaluate[int](`Number(document.querySelector("#stage-row-0 td.out").textContent)`))
	if err != nil {
		t.Fatal(err)
	}
	later, err := chromedp.Run(ctx, poll[int](fmt.Sprintf(`(() => { const n = Number(document.querySelector("#stage-row-0 td.out").textContent); return n > %d ? n : false; })()`, first)))
	if err != nil {
		t.Fatalf("the counter did not advance from %d: %v", first, err)
	}
	t.Logf("camera frames out on the page: %d, then %d", first, later)

	// The recorder, a live output, shows its reconnects and attempts.
	cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#stages tbody tr")].map(tr => (tr.querySelector("td.name")||{}).textContent + "=" + (tr.querySelector("td.reconnects")||{}).textContent)`))
	if err != nil || !slices.Contains(cells, "recorder=2 / 3") || !slices.Contains(cells, "camera=") {
		t.Errorf("reconnect cells %q, want recorder=2 / 3 and camera empty (%v)", cells, err)
	}

	// The preview of the tee → watermark link shows frames.
	do("watch a link", chromedp.Click(chromedp.CSS(fmt.Sprintf("#watch-%d", d.preview))))
	width, err := chromedp.Run(ctx, poll[int](`(() => { const w = document.getElementById("preview-img").naturalWidth; return w > 0 ? w : false; })()`))
	if err != nil || width != 320 {
		t.Fatalf("preview is %d pixels wide, want 320 (%v)", width, err)
	}
	if _, err := chromedp.Run(ctx, poll[bool](fmt.Sprintf(`document.querySelector("#link-row-%d td.preview").textContent.includes("watching")`, d.preview))); err != nil {
		t.Fatalf("the watched link is not marked: %v", err)
	}
	screenshot(ctx, t, "live.png")

	// A failing stage shows its error, in the table and in the drawing.
	close(d.fail)
	msg, err := chromedp.Run(ctx, poll[string](`(() => { const e = document.querySelector("td.error");
		return e && document.getElementById("state").textContent === "failed" ? e.textContent : false; })()`))
	if err != nil || !strings.Contains(msg, "recorder: write frame") || !strings.Contains(msg, "disk full") {
		t.Errorf("error on the page: %q (%v)", msg, err)
	}
	if drawn := text("read the drawing", "#graph svg"); !strings.Contains(drawn, "disk full") {
		t.Errorf("the drawing lacks the error: %q", drawn)
	}
	screenshot(ctx, t, "live-failed.png")
}

// poll waits until expr is truthy in the page and returns its value.
func poll[T any](expr string) chromedp.Action[T] {
	return chromedp.Poll[T](expr, chromedp.WithPollingInterval(50*time.Millisecond))
}

// screenshot saves the page as name in the test's temporary folder, and
// copies it where LIVE_SCREENSHOT says (a file for live.png, its folder
// for the others).
func screenshot(ctx context.Context, t *testing.T, name string) {
	t.Helper()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, png, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Logf("screenshot: %s (%d bytes)", path, len(png))
	if dst := os.Getenv("LIVE_SCREENSHOT"); dst != "" {
		if name != "live.png" {
			dst = filepath.Join(filepath.Dir(dst), name)
		}
		if err := os.WriteFile(dst, png, 0o644); err != nil {
			t.Errorf("LIVE_SCREENSHOT: %v", err)
		}
	}
}

// browserProfile is a fresh profile folder, removed after the test; a
// browser helper process that outlives the browser may still write into
// it, so removal is retried and never fails the test.
func browserProfile(t *testing.T) string {
	dir, err := os.MkdirTemp("", "chromium-profile-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		for range 20 {
			if os.RemoveAll(dir) == nil {
				return
			}
			time.Sleep(100 * time.Millisecond)
		}
	})
	return dir
}
