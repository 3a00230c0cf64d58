// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package ffmpeg

import (
	"bytes"
	"testing"
	"unsafe"

	"github.com/asticode/go-astiav"
)

// cptr relies on every go-astiav v0.16.0 wrapper keeping its C pointer as
// its first field; check it on the types this package reads it from.
func TestCPtrMatchesAstiav(t *testing.T) {
	f := astiav.AllocFrame()
	defer f.Free()
	if cptr(f) != f.UnsafePointer() {
		t.Fatal("cptr(*astiav.Frame) is not its AVFrame")
	}
	p := astiav.AllocPacket()
	defer p.Free()
	if err := p.AllocPayload(5); err != nil {
		t.Fatal(err)
	}
	cp := (*[5]byte)(unsafe.Pointer(((*cAVPacket)(cptr(p))).dataPtr()))
	copy(cp[:], "hello")
	if !bytes.Equal(p.Data(), []byte("hello")) {
		t.Fatalf("cptr(*astiav.Packet) data %q", p.Data())
	}
	cc := astiav.AllocCodecContext(astiav.FindDecoder(astiav.CodecIDH264))
	defer cc.Free()
	cc.SetWidth(123)
	if codecCtx(cc).width != 123 {
		t.Fatal("cptr(*astiav.CodecContext) is not its AVCodecContext")
	}
	fc := astiav.AllocFormatContext()
	defer fc.Free()
	fc.SetFlags(astiav.FormatContextFlags(astiav.FormatContextFlagGenPts))
	if int(fmtCtx(fc).flags) != int(astiav.FormatContextFlagGenPts) {
		t.Fatal("cptr(*astiav.FormatContext) is not its AVFormatContext")
	}
}
