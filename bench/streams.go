// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package main

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"
)

func init() {
	suites["streams"] = suite{"N live publishes on one box: one process of ours vs N ffmpeg CLI processes", runStreams}
}

// runStreams publishes N live streams (testsrc2 at its own pace → H.264 →
// MPEG-TS over UDP to a discarding receiver) for a few seconds, all in one
// process of ours and as N ffmpeg CLI processes, and compares the CPU each
// stream costs (as streams per core) and the memory per stream.
func runStreams(args []string) error {
	fs := newFlags("streams")
	n := fs.Int("n", 8, "concurrent streams")
	seconds := fs.Int("seconds", 10, "seconds each stream runs")
	size := fs.String("size", "640x360", "picture size")
	if err := fs.Parse(args); err != nil {
		return err
	}
	_, child, cleanup, err := prepareChild("streamschild", "ffmpeg", "the ffmpeg CLI", "ffmpeg")
	if err != nil {
		return err
	}
	defer cleanup()
	var received atomic.Int64
	ports, stop, err := udpSinks(*n, &received)
	if err != nil {
		return err
	}
	defer stop()

	oursArgs := append([]string{strconv.Itoa(*n), strconv.Itoa(*seconds), *size}, ports...)
	t0 := time.Now()
	cmd := exec.Command(child, oursArgs...)
	if out, err := cmd.CombinedOutput(); err != nil {
		return fmt.Errorf("ours: %w\n%s", err, out)
	}
	oursWall := time.Since(t0)
	oursCPU, oursRSS := usage(cmd.ProcessState)
	oursBytes := received.Swap(0)

	var baseCPU, baseRSS float64
	var mu sync.Mutex
	var wg sync.WaitGroup
	errs := make(chan error, *n)
	t0 = time.Now()
	for _, port := range ports {
		wg.Go(func() {
			c := exec.Command("ffmpeg", "-nostdin", "-v", "error", "-re", "-f", "lavfi",
				"-i", fmt.Sprintf("testsrc2=size=%s:rate=30:duration=%d", *size, *seconds),
				"-c:v", "libx264", "-preset", "veryfast", "-tune", "zerolatency", "-g", "30", "-b:v", "1M", "-threads", "1",
				"-f", "mpegts", "udp://127.0.0.1:"+port+"?pkt_size=1316")
			if out, err := c.CombinedOutput(); err != nil {
				errs <- fmt.Errorf("ffmpeg CLI: %w\n%s", err, out)
				return
			}
			cpu, rss := usage(c.ProcessState)
			mu.Lock()
			baseCPU, baseRSS = baseCPU+cpu, baseRSS+rss
			mu.Unlock()
		})
	}
	wg.Wait()
	baseWall := time.Since(t0)
	baseBytes := received.Load()
	close(errs)
	if err := <-errs; err != nil {
		return err
	}
	// CPU seconds per stream-second: 1 over it is how many streams one
	// core carries.
	per := func(cpu float64) float64 { return cpu / float64(*n) / float64(*seconds) }
	o, b := 1/per(oursCPU), 1/per(baseCPU)
	fmt.Printf("# %d streams of %s testsrc2 at 30 fps for %d s each: libx264 veryfast zerolatency, 1 thread, MPEG-TS over UDP; wall: ours %.1f s, baseline %.1f s\n",
		*n, *size, *seconds, oursWall.Seconds(), baseWall.Seconds())
	fmt.Printf("streams-udp-h264-%s-x%d: ours %.1f streams/core, baseline %.1f streams/core, ratio %.2f (RSS per stream: ours %.1f MB, baseline %.1f MB, ratio %.2f; received per stream: ours %.2f MB, baseline %.2f MB)\n",
		*size, *n, o, b, o/b, oursRSS/float64(*n), baseRSS/float64(*n), oursRSS/baseRSS,
		float64(oursBytes)/1e6/float64(*n), float64(baseBytes)/1e6/float64(*n))
	return nil
}

// usage returns a finished process's CPU seconds (user + system) and peak
// RSS in MB.
func usage(ps *os.ProcessState) (cpu, rssMB float64) {
	cpu = (ps.UserTime() + ps.SystemTime()).Seconds()
	if ru, ok := ps.SysUsage().(*syscall.Rusage); ok {
		rssMB = float64(ru.Maxrss) / 1024
	}
	return cpu, rssMB
}

// udpSinks listens on n loopback UDP ports and counts and discards what
// arrives, so that the publishers' datagrams have a receiver and both
// sides are seen to send.
func udpSinks(n int, received *atomic.Int64) (ports []string, stop func(), err error) {
	var conns []net.PacketConn
	stop = func() {
		for _, c := range conns {
			_ = c.Close() // a socket that only discards has nothing to lose
		}
	}
	for range n {
		c, err := net.ListenPacket("udp", "127.0.0.1:0")
		if err != nil {
			stop()
			return nil, nil, err
		}
		conns = append(conns, c)
		ports = append(ports, strconv.Itoa(c.LocalAddr().(*net.UDPAddr).Port))
		go func() {
			buf := make([]byte, 65536)
			for {
				k, _, err := c.ReadFrom(buf)
				if err != nil {
					return
				}
				received.Add(int64(k))
			}
		}()
	}
	return ports, stop, nil
}
