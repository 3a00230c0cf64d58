// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package h264

import (
	"errors"
	"fmt"

	"github.com/spinorml/streamer/codec/bits"
	"github.com/spinorml/streamer/codec/nal"
)

// SPS is what a muxer or receiver needs from a sequence parameter set.
type SPS struct {
	Profile       int // profile_idc: 66 baseline, 77 main, 100 high…
	Constraints   int // the constraint_set flags byte
	Level         int // level_idc: ten times the level (40 is 4.0)
	ChromaFormat  int // chroma_format_idc: 0 monochrome, 1 4:2:0, 2 4:2:2, 3 4:4:4
	Width, Height int // the picture size after cropping, in luma samples
}

// maxMbs bounds the picture width and height in macroblocks: 16384 luma
// samples, beyond every level's limit, so a corrupt SPS cannot give a size
// that overflows a buffer calculation.
const maxMbs = 1024

// ParseSPS reads the profile, level, chroma format and cropped picture size
// of the SPS NAL unit u (with its one-byte header), following ITU-T H.264
// 7.3.2.1.1. It returns an error when u is not an SPS, is truncated, holds
// a value out of its range, or crops more than the whole picture.
func ParseSPS(u []byte) (SPS, error) {
	var s SPS
	if len(u) < 4 || TypeOf(u) != NALUTypeSPS {
		return s, errors.New("h264: SPS: too short or not an SPS")
	}
	r := bits.NewReader(nal.Unescape(u[1:]))
	s.Profile = int(r.Bits(8))
	s.Constraints = int(r.Bits(8))
	s.Level = int(r.Bits(8))
	r.UE() // seq_parameter_set_id
	chroma, err := chromaFormat(r, s.Profile)
	if err != nil {
		return s, err
	}
	s.ChromaFormat = int(chroma)
	r.UE() // log2_max_frame_num_minus4
	if err := skipPicOrderCount(r); err != nil {
		return s, err
	}
	r.UE()    // max_num_ref_frames
	r.Skip(1) // gaps_in_frame_num_value_allowed_flag
	s.Width, s.Height, err = pictureSize(r, chroma)
	return s, err
}

// chromaFormat reads the fields that only the high profiles carry and
// returns chroma_format_idc: 1 (4:2:0) for the other profiles.
func chromaFormat(r *bits.Reader, profile int) (uint, error) {
	switch profile {
	case 100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135:
	default:
		return 1, nil
	}
	chroma := r.UE()
	if chroma > 3 {
		return 0, fmt.Errorf("h264: SPS: chroma_format_idc %d", chroma)
	}
	if chroma == 3 {
		r.Skip(1) // separate_colour_plane_flag
	}
	r.UE()            // bit_depth_luma_minus8
	r.UE()            // bit_depth_chroma_minus8
	r.Skip(1)         // qpprime_y_zero_transform_bypass_flag
	if r.Bit() == 1 { // seq_scaling_matrix_present_flag
		n := 8
		if chroma == 3 {
			n = 12
		}
		for i := range n {
			if r.Bit() == 1 { // seq_scaling_list_present_flag
				skipScalingList(r, i)
			}
		}
	}
	if err := r.Err(); err != nil {
		return 0, fmt.Errorf("h264: SPS: %w", err)
	}
	return chroma, nil
}

// skipScalingList reads the i-th scaling list (7.3.2.1.1.1): 16
// coefficients for the first six, 64 for the others. It stops at the first
// error, which r keeps.
func skipScalingList(r *bits.Reader, i int) {
	size := 16
	if i >= 6 {
		size = 64
	}
	last, next := 8, 8
	for range size {
		if next != 0 {
			next = (last + r.SE() + 256) % 256
		}
		if next != 0 {
			last = next
		}
		if r.Err() != nil {
			return
		}
	}
}

// skipPicOrderCount reads pic_order_cnt_type and the fields that follow it.
func skipPicOrderCount(r *bits.Reader) error {
	switch pocType := r.UE(); pocType {
	case 0:
		r.UE() // log2_max_pic_order_cnt_lsb_minus4
	case 1:
		r.Skip(1) // delta_pic_order_always_zero_flag
		r.SE()    // offset_for_non_ref_pic
		r.SE()    // offset_for_top_to_bottom_field
		n := r.UE()
		if n > 255 {
			return fmt.Errorf("h264: SPS: %d reference frames in a POC cycle", n)
		}
		for range n {
			r.SE() // offset_for_ref_frame
		}
	case 2:
	default:
		return fmt.Errorf("h264: SPS: pic_order_cnt_type %d", pocType)
	}
	return nil
}

// pictureSize reads the picture size and cropping fields and returns the
// cropped size in luma samples.
func pictureSize(r *bits.Reader, chroma uint) (w, h int, err error) {
	wMbs := r.UE() + 1
	hMapUnits := r.UE() + 1
	frameMbsOnly := r.Bit()
	if frameMbsOnly == 0 {
		r.Skip(1) // mb_adaptive_frame_field_flag
	}
	r.Skip(1) // direct_8x8_inference_flag
	var cl, cr, ct, cb uint
	if r.Bit() == 1 { // frame_cropping_flag
		cl, cr, ct, cb = r.UE(), r.UE(), r.UE(), r.UE()
	}
	if err := r.Err(); err != nil {
		return 0, 0, fmt.Errorf("h264: SPS: %w", err)
	}
	if wMbs > maxMbs || hMapUnits > maxMbs {
		return 0, 0, fmt.Errorf("h264: SPS: %dx%d macroblocks is out of range", wMbs, hMapUnits)
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
	fw := wMbs * 16
	fh := hMapUnits * 16 * (2 - frameMbsOnly)
	if cx*(cl+cr) >= fw || cy*(ct+cb) >= fh {
		return 0, 0, errors.New("h264: SPS: cropping larger than the picture")
	}
	return int(fw - cx*(cl+cr)), int(fh - cy*(ct+cb)), nil
}
