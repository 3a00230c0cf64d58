// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package stage

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"testing/synctest"
	"time"

	"github.com/spinorml/streamer/frame"
)

// sized returns n frames of size bytes each, Meta = index.
func sized(n, size int) []V {
	vs := make([]V, n)
	for i := range vs {
		vs[i] = V{Data: frame.NewBytes(make([]byte, size)), Format: frame.GRAY8, Width: size, Height: 1, Meta: i}
	}
	return vs
}

// The tests that wait for a link's goroutines to settle, or pace a writer
// against a reader, run in a synctest bubble: synctest.Wait returns once
// every goroutine of the link is blocked, and sleeps take no real time, so
// the order of events is fixed by the test rather than by the machine's
// speed.

func TestPolicyString(t *testing.T) {
	for p, want := range map[Policy]string{Block: "block", DropOldest: "drop-oldest", DropNewest: "drop-newest", Policy(9): "policy(?)"} {
		if p.String() != want {
			t.Errorf("%d: %q, want %q", p, p.String(), want)
		}
	}
}

func TestLinkConfigDefaults(t *testing.T) {
	l := NewLink[V](LinkConfig{})
	if c := l.Config(); c.Capacity != DefaultCapacity || c.Policy != Block {
		t.Fatalf("config %+v", c)
	}
	st := l.Stats()
	if st.Capacity != DefaultCapacity || st.Policy != Block || st.Sent != 0 || st.Queued != 0 {
		t.Fatalf("stats %+v", st)
	}
	l.CloseSend()
	if n := l.Drain(); n != 0 {
		t.Fatalf("drained %d", n)
	}
}

func TestBlockLinkCountsAndOrder(t *testing.T) {
	for _, cfg := range []LinkConfig{{Capacity: 3}, {Capacity: 3, MaxBytes: 1 << 20}} {
		t.Run(fmt.Sprintf("maxbytes=%d", cfg.MaxBytes), func(t *testing.T) {
			noLeaks(t)
			l := newLink[V](cfg)
			srcErr := goSource(context.Background(), sliceSource(sized(25, 10)), l)
			var got []int
			for v := range l.In().All() {
				got = append(got, v.Meta.(int))
				v.Release()
			}
			if err := wait(t, "source", srcErr); err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(got, seq(25)) {
				t.Fatalf("got %v, want 0..24 in order", got)
			}
			st := l.Stats()
			if st.Sent != 25 || st.Received != 25 || st.Dropped != 0 || st.Abandoned != 0 || st.Queued != 0 || st.Bytes != 0 {
				t.Fatalf("stats %+v", st)
			}
			if n := l.Drain(); n != 0 {
				t.Fatalf("drained %d after the end", n)
			}
		})
	}
}

func TestBlockLinkQueuedWhileReaderStalls(t *testing.T) {
	noLeaks(t)
	l := newLink[V](LinkConfig{Capacity: 4})
	out := l.Out()
	for _, v := range sized(4, 10) {
		if !out.Send(v) {
			t.Fatal("Send refused")
		}
	}
	if st := l.Stats(); st.Sent != 4 || st.Queued != 4 || st.Received != 0 {
		t.Fatalf("stats %+v, want 4 sent and queued", st)
	}
	v, _ := l.In().Recv()
	v.Release()
	if st := l.Stats(); st.Queued != 3 || st.Received != 1 {
		t.Fatalf("stats %+v, want 3 queued and 1 received", st)
	}
	l.CloseSend()
	if n := l.Drain(); n != 3 {
		t.Fatalf("drained %d, want 3", n)
	}
	if st := l.Stats(); st.Abandoned != 3 || st.Received != 1 {
		t.Fatalf("stats %+v, want 3 abandoned and 1 received", st)
	}
}

// TestDropPolicyAbsentReader: with no reader until the writer is done, a
// link of capacity 4 keeps the first 4 (DropNewest) or the last 4
// (DropOldest) frames and releases the others.
func TestDropPolicyAbsentReader(t *testing.T) {
	for _, c := range []struct {
		policy Policy
		want   []int
	}{
		{DropNewest, []int{0, 1, 2, 3}},
		{DropOldest, []int{16, 17, 18, 19}},
	} {
		t.Run(c.policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				noLeaks(t)
				live := frame.Live()
				l := newLink[V](LinkConfig{Capacity: 4, Policy: c.policy})
				out := l.Out()
				for _, v := range sized(20, 100) {
					if !out.Send(v) { // never blocks: the link drops instead
						t.Fatal("Send refused")
					}
				}
				synctest.Wait() // the queue goroutine has taken every frame
				st := l.Stats()
				if st.Sent != 20 || st.Dropped != 16 || st.Queued != 4 || st.Bytes != 400 {
					t.Fatalf("stats %+v, want 20 sent, 16 dropped, 4 (400 bytes) queued", st)
				}
				// The dropped frames are released already.
				if n := frame.Live() - live; n != 4 {
					t.Fatalf("%d handles alive with 4 frames queued", n)
				}
				l.CloseSend()
				var got []int
				for v := range l.In().All() {
					got = append(got, v.Meta.(int))
					v.Release()
				}
				if !slices.Equal(got, c.want) {
					t.Fatalf("reader got %v, want %v", got, c.want)
				}
				st = l.Stats()
				if st.Received != 4 || st.Dropped != uint64(20-len(got)) || st.Queued != 0 || st.Bytes != 0 {
					t.Fatalf("stats %+v", st)
				}
				if n := l.Drain(); n != 0 {
					t.Fatalf("drained %d", n)
				}
			})
		})
	}
}

// TestDropPolicySlowReader: a reader slower than its writer loses frames;
// the loss is exactly Stats().Dropped, what arrives keeps its order, and
// every dropped frame is released.
func TestDropPolicySlowReader(t *testing.T) {
	for _, policy := range []Policy{DropNewest, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				noLeaks(t)
				const n = 60
				l := newLink[V](LinkConfig{Capacity: 3, Policy: policy})
				frames := sized(n, 64)
				srcErr := goSource(context.Background(), SourceFunc[V](func(ctx context.Context, out Out[V]) error {
					for i, v := range frames { // bursts of 10 frames
						out.Send(v)
						if i%10 == 9 {
							time.Sleep(2 * time.Millisecond)
						}
					}
					return nil
				}), l)
				var got []int
				for v := range l.In().All() {
					got = append(got, v.Meta.(int))
					v.Release()
					time.Sleep(500 * time.Microsecond)
				}
				if err := wait(t, "source", srcErr); err != nil {
					t.Fatal(err)
				}
				st := l.Stats()
				if int(st.Dropped) != n-len(got) || st.Sent != n || int(st.Received) != len(got) || st.Abandoned != 0 {
					t.Fatalf("reader got %d of %d frames; stats %+v: want Dropped = %d", len(got), n, st, n-len(got))
				}
				if !slices.IsSorted(got) || len(slices.Compact(slices.Clone(got))) != len(got) {
					t.Fatalf("reader got %v, want increasing frames", got)
				}
				if policy == DropOldest && got[len(got)-1] != n-1 {
					t.Errorf("drop-oldest lost the newest frame: got %v", got)
				}
				if policy == DropNewest && got[0] != 0 {
					t.Errorf("drop-newest lost the first frame: got %v", got)
				}
				t.Logf("%v: reader got %d, dropped %d", policy, len(got), st.Dropped)
			})
		})
	}
}

// TestMaxBytesBoundWhileReaderStalls: while the reader takes nothing, the
// bytes queued never exceed MaxBytes under the drop policies; under Block,
// as in GStreamer (see LinkConfig.MaxBytes), a link below the bound takes
// one more frame, so it exceeds MaxBytes by less than one frame, and then
// holds its writer.
func TestMaxBytesBoundWhileReaderStalls(t *testing.T) {
	for _, policy := range []Policy{Block, DropNewest, DropOldest} {
		t.Run(policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				noLeaks(t)
				const maxBytes, size = 100, 30 // room for 3 frames
				bound, maxQueued := int64(maxBytes), 3
				if policy == Block {
					bound, maxQueued = maxBytes+size-1, 4
				}
				l := newLink[V](LinkConfig{Capacity: 16, MaxBytes: maxBytes, Policy: policy})
				srcErr := goSource(context.Background(), sliceSource(sized(20, size)), l)
				// Under Block the writer is held once the link is full; under
				// the drop policies it has sent every frame. Either way every
				// goroutine of the link then waits, and the link must not move
				// however long it waits.
				synctest.Wait()
				st := l.Stats()
				if st.Bytes > bound || st.Queued > maxQueued {
					t.Errorf("stats %+v: %d bytes queued, more than %d (MaxBytes %d)", st, st.Bytes, bound, maxBytes)
				}
				if policy == Block && (st.Sent != 4 || st.Queued != 4 || st.Bytes != 4*size) {
					t.Errorf("stats %+v, want the writer held after 4 frames (120 bytes)", st)
				}
				if policy != Block && (st.Queued != 3 || st.Bytes != 3*size || st.Dropped != 17) {
					t.Errorf("stats %+v, want 3 frames (90 bytes) queued and 17 dropped", st)
				}
				time.Sleep(time.Second)
				if later := l.Stats(); later != st {
					t.Errorf("stats moved while the reader stalled: %+v, then %+v", st, later)
				}
				n := 0
				for v := range l.In().All() {
					v.Release()
					n++
				}
				if err := wait(t, "source", srcErr); err != nil {
					t.Fatal(err)
				}
				if st := l.Stats(); int(st.Dropped) != 20-n || st.Bytes != 0 {
					t.Fatalf("reader got %d; stats %+v", n, st)
				}
			})
		})
	}
}

func TestMaxBytesLetsALargeFrameThroughAlone(t *testing.T) {
	noLeaks(t)
	l := newLink[V](LinkConfig{Capacity: 4, MaxBytes: 10, Policy: DropNewest})
	srcErr := goSource(context.Background(), sliceSource(sized(1, 50)), l)
	v, ok := l.In().Recv()
	if !ok || v.Size() != 50 {
		t.Fatalf("got %v %v, want the 50-byte frame", v, ok)
	}
	v.Release()
	if err := wait(t, "source", srcErr); err != nil {
		t.Fatal(err)
	}
	if _, ok := l.In().Recv(); ok {
		t.Fatal("a second frame")
	}
}

func TestCancelEndsRecvAndRefusesSend(t *testing.T) {
	for _, cfg := range []LinkConfig{{Capacity: 4}, {Capacity: 4, Policy: DropOldest}, {Capacity: 4, MaxBytes: 1000}} {
		t.Run(fmt.Sprintf("%v/%d", cfg.Policy, cfg.MaxBytes), func(t *testing.T) {
			noLeaks(t)
			l := newLink[V](cfg)
			vs := sized(3, 10)
			out, in := l.Out(), l.In()
			if !out.Send(vs[0]) || !out.Send(vs[1]) {
				t.Fatal("Send refused before Cancel")
			}
			l.Cancel()
			if v, ok := in.Recv(); ok {
				v.Release()
				t.Fatal("Recv gave a frame after Cancel")
			}
			if out.Send(vs[2]) {
				t.Fatal("Send accepted after Cancel")
			}
			l.CloseSend()
			if n := l.Drain(); n != 3 {
				t.Fatalf("Drain released %d frames, want 3", n)
			}
			if st := l.Stats(); st.Sent != 3 || st.Abandoned != 3 || st.Received != 0 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestSendAfterDrainIsRefusedAndReleased(t *testing.T) {
	for _, cfg := range []LinkConfig{{Capacity: 2}, {Capacity: 2, Policy: DropNewest}} {
		t.Run(cfg.Policy.String(), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				noLeaks(t)
				l := newLink[V](cfg)
				vs := sized(2, 10)
				live := frame.Live()
				if !l.Out().Send(vs[0]) {
					t.Fatal("Send refused before Drain")
				}
				drained := make(chan int, 1)
				go func() { drained <- l.Drain() }()
				synctest.Wait() // Drain has marked the link and waits on it
				if l.Out().Send(vs[1]) {
					t.Fatal("Send accepted after Drain")
				}
				l.CloseSend()
				var n int
				select {
				case n = <-drained:
				case <-time.After(stageTimeout):
					t.Fatal("Drain did not return after CloseSend")
				}
				if n != 2 {
					t.Fatalf("Drain released %d frames, want 2", n)
				}
				if frame.Live() != live-2 {
					t.Fatalf("frames sent to a drained link were not released")
				}
			})
		})
	}
}

// TestDrainUnblocksAWriter: a writer blocked on a full link is freed when
// the reader leaves and the link is drained.
func TestDrainUnblocksAWriter(t *testing.T) {
	for _, cfg := range []LinkConfig{{Capacity: 1}, {Capacity: 1, MaxBytes: 5}} {
		t.Run(fmt.Sprintf("maxbytes=%d", cfg.MaxBytes), func(t *testing.T) {
			noLeaks(t)
			l := newLink[V](cfg)
			srcErr := goSource(context.Background(), &Pattern{Width: 8, Height: 8}, l)
			v, _ := l.In().Recv()
			v.Release()
			l.Drain()
			if err := wait(t, "pattern", srcErr); err != nil {
				t.Fatal(err)
			}
			if st := l.Stats(); st.Received != 1 || st.Abandoned != st.Sent-1 {
				t.Fatalf("stats %+v", st)
			}
		})
	}
}

func TestLinkCarriesAudio(t *testing.T) {
	noLeaks(t)
	got, err := runSource[A](t, &Sine{Frames: 5, Samples: 16}, LinkConfig{Capacity: 2, Policy: DropOldest, MaxBytes: 1 << 20})
	defer release(got)
	if err != nil || len(got) == 0 {
		t.Fatalf("%d frames, %v", len(got), err)
	}
	for i := 1; i < len(got); i++ {
		if got[i].PTS <= got[i-1].PTS {
			t.Fatalf("frames out of order: %v", got)
		}
	}
}
