// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package servers

import (
	"crypto/sha256"
	_ "embed"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"time"
)

//go:embed testdata/rtsp_server.c
var rtspServerSource []byte

// RTSP is a gst-rtsp-server with a RECORD mount, which takes an H.264 +
// AAC publish (ANNOUNCE and RECORD) and drops it, and a PLAY mount, which
// serves a live test pattern (320x240 at 30 fps, H.264 with a key frame a
// second) and tone (AAC, 48 kHz stereo).
type RTSP struct {
	*Proc
	Port int
}

// Record returns the URL to publish to.
func (r *RTSP) Record() string { return fmt.Sprintf("rtsp://127.0.0.1:%d/record", r.Port) }

// Play returns the URL of the live test stream.
func (r *RTSP) Play() string { return fmt.Sprintf("rtsp://127.0.0.1:%d/play", r.Port) }

// TornDown reports whether a client has sent TEARDOWN for the mount at
// path ("/record", "/play", or a stream under it), waiting up to within
// for the server to log it.
func (r *RTSP) TornDown(path string, within time.Duration) bool {
	for deadline := time.Now().Add(within); ; time.Sleep(20 * time.Millisecond) {
		for _, line := range strings.Split(r.Log(), "\n") {
			if p, ok := strings.CutPrefix(line, "teardown "); ok && (p == path || strings.HasPrefix(p, path+"/")) {
				return true
			}
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}

// rtspBuild is the server program, built once per test binary or found
// built: a cache, as a build takes seconds and most network tests want it.
var rtspBuild struct { //nolint:gochecknoglobals // a build cache, written only under its sync.Once
	once sync.Once
	path string // the program
	err  error  // why the build failed
	skip string // why the tests skip: a tool or library is missing
}

// RTSPServer compiles (once, cached by its source) and starts the RTSP server on
// a free port; it skips the test when gcc, pkg-config or the
// gst-rtsp-server development files (Debian libgstrtspserver-1.0-dev) are
// missing.
func RTSPServer(t TB) *RTSP {
	t.Helper()
	rtspBuild.once.Do(buildRTSPServer)
	if rtspBuild.skip != "" {
		t.Skip(rtspBuild.skip)
	}
	if rtspBuild.err != nil {
		t.Fatal(rtspBuild.err)
	}
	r := &RTSP{Port: FreeTCPPort(t)}
	r.Proc = start(t, listensTCP(r.Port), rtspBuild.path, fmt.Sprint(r.Port))
	return r
}

// buildRTSPServer compiles rtsp_server.c into the user's cache folder,
// named by a hash of the source, unless a program built from the same
// source is there: test binaries share it, and nothing is left in the
// temporary folder per run.
func buildRTSPServer() {
	for _, tool := range []string{"gcc", "pkg-config"} {
		if _, err := exec.LookPath(tool); err != nil {
			rtspBuild.skip = tool + " not found: the RTSP server of the tests is compiled from C"
			return
		}
	}
	flags, err := exec.Command("pkg-config", "--cflags", "--libs", "gstreamer-rtsp-server-1.0").Output()
	if err != nil {
		rtspBuild.skip = "gstreamer-rtsp-server-1.0 not found by pkg-config (Debian package libgstrtspserver-1.0-dev): the tests' RTSP server needs it"
		return
	}
	cache, err := os.UserCacheDir()
	if err != nil {
		cache = os.TempDir()
	}
	sum := sha256.Sum256(append(rtspServerSource, flags...))
	dir := filepath.Join(cache, "streamer-test-servers")
	rtspBuild.path = filepath.Join(dir, fmt.Sprintf("rtsp_server-%x", sum[:8]))
	if _, err := os.Stat(rtspBuild.path); err == nil {
		return
	}
	if rtspBuild.err = os.MkdirAll(dir, 0o755); rtspBuild.err != nil {
		return
	}
	work, err := os.MkdirTemp(dir, "build-")
	if err != nil {
		rtspBuild.err = err
		return
	}
	defer func() { _ = os.RemoveAll(work) }() // only the built program, renamed out of it, matters
	src, exe := filepath.Join(work, "rtsp_server.c"), filepath.Join(work, "rtsp_server")
	if rtspBuild.err = os.WriteFile(src, rtspServerSource, 0o644); rtspBuild.err != nil {
		return
	}
	args := append([]string{"-o", exe, src}, strings.Fields(string(flags))...)
	if out, err := exec.Command("gcc", args...).CombinedOutput(); err != nil {
		rtspBuild.err = fmt.Errorf("servers: compile the RTSP server: %v\n%s", err, out)
		return
	}
	rtspBuild.err = os.Rename(exe, rtspBuild.path) // atomic: another test binary may be building it too
}
