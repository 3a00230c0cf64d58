// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package webrtc

import (
	"bytes"
	"errors"
	"fmt"
)

// H.264 NAL unit types this package looks at.
const (
	nalIDR = 5
	nalSEI = 6
	nalSPS = 7
	nalPPS = 8
	nalAUD = 9
)

var startCode = []byte{0, 0, 0, 1}

// annexBUnits returns the NAL units of an Annex B stream (start codes of
// three or four bytes), without their start codes. Bytes before the first
// start code are ignored; empty units are skipped.
func annexBUnits(b []byte) [][]byte {
	var units [][]byte
	i := bytes.Index(b, []byte{0, 0, 1})
	for i >= 0 {
		start := i + 3
		next := bytes.Index(b[start:], []byte{0, 0, 1})
		end := len(b)
		if next >= 0 {
			end = start + next
			next = end
			// A four-byte start code's leading zero belongs to it, not
			// to the unit before.
			if end > start && b[end-1] == 0 {
				end--
			}
		}
		if end > start {
			units = append(units, b[start:end])
		}
		i = next
	}
	return units
}

// avcC is the parsed AVCDecoderConfigurationRecord of an MP4-style H.264
// stream: the length of each NAL unit's size prefix and the parameter sets.
type avcC struct {
	lengthSize int
	sps, pps   [][]byte
}

// parseAVCC parses an AVCDecoderConfigurationRecord (ISO 14496-15 5.3.3.1).
func parseAVCC(b []byte) (avcC, error) {
	var c avcC
	if len(b) < 7 || b[0] != 1 {
		return c, errors.New("avcC: too short or not version 1")
	}
	c.lengthSize = int(b[4]&3) + 1
	if c.lengthSize == 3 {
		return c, errors.New("avcC: NAL unit length size 3 is not allowed")
	}
	n := int(b[5] & 0x1f)
	p := 6
	read := func() ([]byte, error) {
		if p+2 > len(b) {
			return nil, errors.New("avcC: truncated")
		}
		l := int(b[p])<<8 | int(b[p+1])
		p += 2
		if p+l > len(b) {
			return nil, errors.New("avcC: truncated")
		}
		u := b[p : p+l]
		p += l
		return u, nil
	}
	for range n {
		u, err := read()
		if err != nil {
			return c, err
		}
		c.sps = append(c.sps, u)
	}
	if p >= len(b) {
		return c, errors.New("avcC: truncated")
	}
	n = int(b[p])
	p++
	for range n {
		u, err := read()
		if err != nil {
			return c, err
		}
		c.pps = append(c.pps, u)
	}
	return c, nil
}

// lengthPrefixedUnits splits an AVC (MP4-style) access unit whose NAL
// units carry a big-endian size of size bytes.
func lengthPrefixedUnits(b []byte, size int) ([][]byte, error) {
	var units [][]byte
	for len(b) > 0 {
		if len(b) < size {
			return nil, fmt.Errorf("H.264: %d bytes left, less than a %d-byte NAL unit length", len(b), size)
		}
		l := 0
		for _, x := range b[:size] {
			l = l<<8 | int(x)
		}
		b = b[size:]
		if l > len(b) {
			return nil, fmt.Errorf("H.264: NAL unit of %d bytes with %d left", l, len(b))
		}
		if l > 0 {
			units = append(units, b[:l])
		}
		b = b[l:]
	}
	return units, nil
}

// h264Writer turns the access units of one H.264 stream, Annex B or
// length-prefixed as the codec description says, into Annex B access
// units that carry SPS and PPS before every IDR picture, so that a
// viewer can start at any key frame.
type h264Writer struct {
	lengthSize int      // 0: the stream is Annex B
	sps, pps   [][]byte // the latest parameter sets seen
}

// newH264Writer reads the stream's extradata: an avcC record (its first
// byte is 1) says the frames are length-prefixed; Annex B extradata, or
// none, says they are Annex B. Parameter sets found there are kept for
// the first key frame.
func newH264Writer(extradata []byte) (*h264Writer, error) {
	w := &h264Writer{}
	if len(extradata) > 0 && extradata[0] == 1 {
		c, err := parseAVCC(extradata)
		if err != nil {
			return nil, err
		}
		w.lengthSize, w.sps, w.pps = c.lengthSize, c.sps, c.pps
		return w, nil
	}
	for _, u := range annexBUnits(extradata) {
		w.remember(u)
	}
	return w, nil
}

func (w *h264Writer) remember(u []byte) {
	switch u[0] & 0x1f {
	case nalSPS:
		w.sps = [][]byte{u}
	case nalPPS:
		w.pps = [][]byte{u}
	}
}

// accessUnit returns b as an Annex B access unit, with the parameter sets
// inserted before an IDR picture that lacks them, and whether it holds an
// IDR picture. Access unit delimiters are dropped: RTP does not carry
// them. The result is a new slice; b is not changed.
func (w *h264Writer) accessUnit(b []byte) ([]byte, bool, error) {
	var units [][]byte
	if w.lengthSize > 0 {
		var err error
		if units, err = lengthPrefixedUnits(b, w.lengthSize); err != nil {
			return nil, false, err
		}
	} else {
		units = annexBUnits(b)
	}
	idr, hasSPS, hasPPS := false, false, false
	size := 0
	for _, u := range units {
		switch u[0] & 0x1f {
		case nalIDR:
			idr = true
		case nalSPS:
			hasSPS = true
			w.remember(u)
		case nalPPS:
			hasPPS = true
			w.remember(u)
		}
		size += len(startCode) + len(u)
	}
	out := make([]byte, 0, size+64)
	if idr && !(hasSPS && hasPPS) {
		for _, u := range append(append([][]byte{}, w.sps...), w.pps...) {
			out = append(append(out, startCode...), u...)
		}
	}
	for _, u := range units {
		if u[0]&0x1f == nalAUD {
			continue
		}
		out = append(append(out, startCode...), u...)
	}
	return out, idr, nil
}

// h264Info is what a receiver learns from an Annex B access unit.
type h264Info struct {
	idr      bool
	sps, pps []byte // the first of each, nil when absent
}

func inspectH264(au []byte) h264Info {
	var in h264Info
	for _, u := range annexBUnits(au) {
		switch u[0] & 0x1f {
		case nalIDR:
			in.idr = true
		case nalSPS:
			if in.sps == nil {
				in.sps = u
			}
		case nalPPS:
			if in.pps == nil {
				in.pps = u
			}
		}
	}
	return in
}

// bitReader reads the bits of an RBSP (emulation prevention bytes
// already removed), most significant first.
type bitReader struct {
	b   []byte
	pos int // in bits
	err error
}

var errShort = errors.New("truncated")

func (r *bitReader) bit() uint {
	if r.pos >= 8*len(r.b) {
		r.err = errShort
		return 0
	}
	v := uint(r.b[r.pos/8]>>(7-r.pos%8)) & 1
	r.pos++
	return v
}

func (r *bitReader) bits(n int) uint {
	var v uint
	for range n {
		v = v<<1 | r.bit()
	}
	return v
}

// ue reads an unsigned Exp-Golomb code; longer than 31 bits is an error.
func (r *bitReader) ue() uint {
	zeros := 0
	for r.bit() == 0 {
		if r.err != nil {
			return 0
		}
		zeros++
		if zeros > 31 {
			r.err = errors.New("Exp-Golomb code too long")
			return 0
		}
	}
	return (1<<zeros - 1) + r.bits(zeros)
}

func (r *bitReader) se() int {
	v := r.ue()
	if v&1 == 1 {
		return int(v+1) / 2
	}
	return -int(v / 2)
}

// rbsp removes emulation prevention bytes (00 00 03 → 00 00).
func rbsp(b []byte) []byte {
	out := make([]byte, 0, len(b))
	zeros := 0
	for _, x := range b {
		if zeros >= 2 && x == 3 {
			zeros = 0
			continue
		}
		if x == 0 {
			zeros++
		} else {
			zeros = 0
		}
		out = append(out, x)
	}
	return out
}

// spsInfo is what a muxer needs from an H.264 sequence parameter set.
type spsInfo struct {
	profile, level int
	width, height  int
}

// parseSPS reads the profile, level and cropped picture size of an SPS NAL
// unit (with its one-byte header), following ITU-T H.264 7.3.2.1.1.
func parseSPS(nal []byte) (spsInfo, error) {
	var s spsInfo
	if len(nal) < 4 || nal[0]&0x1f != nalSPS {
		return s, errors.New("H.264 SPS: too short or not an SPS")
	}
	r := &bitReader{b: rbsp(nal[1:])}
	s.profile = int(r.bits(8))
	r.bits(8) // constraint flags
	s.level = int(r.bits(8))
	r.ue() // seq_parameter_set_id
	chroma := uint(1)
	switch s.profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
		chroma = r.ue()
		if chroma > 3 {
			return s, fmt.Errorf("H.264 SPS: chroma_format_idc %d", chroma)
		}
		if chroma == 3 {
			r.bit() // separate_colour_plane_flag
		}
		r.ue()  // bit_depth_luma_minus8
		r.ue()  // bit_depth_chroma_minus8
		r.bit() // qpprime_y_zero_transform_bypass_flag
		// seq_scaling_matrix_present_flag, then the lists, skipped.
		if r.bit() == 1 {
			n := 8
			if chroma == 3 {
				n = 12
			}
			for i := range n {
				if r.bit() == 0 {
					continue
				}
				size := 16
				if i >= 6 {
					size = 64
				}
				last, next := 8, 8
				for range size {
					if next != 0 {
						next = (last + r.se() + 256) % 256
					}
					if next != 0 {
						last = next
					}
					if r.err != nil {
						return s, fmt.Errorf("H.264 SPS: %w", r.err)
					}
				}
			}
		}
	}
	r.ue() // log2_max_frame_num_minus4
	switch pocType := r.ue(); pocType {
	case 0:
		r.ue() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.bit() // delta_pic_order_always_zero_flag
		r.se()  // offset_for_non_ref_pic
		r.se()  // offset_for_top_to_bottom_field
		n := r.ue()
		if n > 255 {
			return s, fmt.Errorf("H.264 SPS: %d reference frames in a POC cycle", n)
		}
		for range n {
			r.se()
		}
	case 2:
	default:
		return s, fmt.Errorf("H.264 SPS: pic_order_cnt_type %d", pocType)
	}
	r.ue()  // max_num_ref_frames
	r.bit() // gaps_in_frame_num_value_allowed_flag
	wMbs := r.ue() + 1
	hMapUnits := r.ue() + 1
	frameMbsOnly := r.bit()
	if frameMbsOnly == 0 {
		r.bit() // mb_adaptive_frame_field_flag
	}
	r.bit() // direct_8x8_inference_flag
	var cl, cr, ct, cb uint
	if r.bit() == 1 { // frame_cropping_flag
		cl, cr, ct, cb = r.ue(), r.ue(), r.ue(), r.ue()
	}
	if r.err != nil {
		return s, fmt.Errorf("H.264 SPS: %w", r.err)
	}
	if wMbs > 1024 || hMapUnits > 1024 {
		return s, fmt.Errorf("H.264 SPS: %dx%d macroblocks is out of range", wMbs, hMapUnits)
	}
	// Crop units (7.4.2.1.1): 2 luma samples across for 4:2:0 and 4:2:2,
	// and 2 down for 4:2:0; doubled down for field coding.
	cx, cy := uint(1), 2-frameMbsOnly
	if chroma == 1 || chroma == 2 {
		cx = 2
	}
	if chroma == 1 {
		cy *= 2
	}
	w := wMbs * 16
	h := hMapUnits * 16 * (2 - frameMbsOnly)
	if cx*(cl+cr) >= w || cy*(ct+cb) >= h {
		return s, errors.New("H.264 SPS: cropping larger than the picture")
	}
	s.width, s.height = int(w-cx*(cl+cr)), int(h-cy*(ct+cb))
	return s, nil
}
