// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

//go:build cgo

package v4l2

// Build-time checks of the pure-Go structs, request numbers and constants
// in ioctl.go and fourcc.go against the installed linux/videodev2.h: an
// index out of range here means they differ. Nothing in this file runs, and
// a build without cgo leaves it out.

/*
#include <linux/videodev2.h>
*/
import "C"

import "unsafe"

var (
	_ = [1]int{}[unsafe.Sizeof(v4l2Capability{})-C.sizeof_struct_v4l2_capability]
	_ = [1]int{}[unsafe.Sizeof(v4l2Fmtdesc{})-C.sizeof_struct_v4l2_fmtdesc]
	_ = [1]int{}[unsafe.Sizeof(v4l2Frmsizeenum{})-C.sizeof_struct_v4l2_frmsizeenum]
	_ = [1]int{}[unsafe.Sizeof(v4l2Frmivalenum{})-C.sizeof_struct_v4l2_frmivalenum]
	_ = [1]int{}[vidiocQuerycap-C.VIDIOC_QUERYCAP]
	_ = [1]int{}[vidiocEnumFmt-C.VIDIOC_ENUM_FMT]
	_ = [1]int{}[vidiocEnumFramesizes-C.VIDIOC_ENUM_FRAMESIZES]
	_ = [1]int{}[vidiocEnumFrameintervals-C.VIDIOC_ENUM_FRAMEINTERVALS]
	_ = [1]int{}[FourCCYUYV-C.V4L2_PIX_FMT_YUYV]
	_ = [1]int{}[FourCCNV12-C.V4L2_PIX_FMT_NV12]
	_ = [1]int{}[FourCCNM12-C.V4L2_PIX_FMT_NV12M]
	_ = [1]int{}[FourCCYU12-C.V4L2_PIX_FMT_YUV420]
	_ = [1]int{}[FourCC422P-C.V4L2_PIX_FMT_YUV422P]
	_ = [1]int{}[FourCCGREY-C.V4L2_PIX_FMT_GREY]
	_ = [1]int{}[FourCCAB24-C.V4L2_PIX_FMT_RGBA32]
	_ = [1]int{}[FourCCAR24-C.V4L2_PIX_FMT_ABGR32]
	_ = [1]int{}[FourCCMJPG-C.V4L2_PIX_FMT_MJPEG]
	_ = [1]int{}[FourCCJPEG-C.V4L2_PIX_FMT_JPEG]
	_ = [1]int{}[FourCCH264-C.V4L2_PIX_FMT_H264]
	_ = [1]int{}[FourCCHEVC-C.V4L2_PIX_FMT_HEVC]
	_ = [1]int{}[FourCCVP80-C.V4L2_PIX_FMT_VP8]
	_ = [1]int{}[FourCCVP90-C.V4L2_PIX_FMT_VP9]
	_ = [1]int{}[capVideoCapture-C.V4L2_CAP_VIDEO_CAPTURE]
	_ = [1]int{}[capVideoCaptureMPlan-C.V4L2_CAP_VIDEO_CAPTURE_MPLANE]
	_ = [1]int{}[capVideoM2M-C.V4L2_CAP_VIDEO_M2M]
	_ = [1]int{}[capVideoM2MMPlane-C.V4L2_CAP_VIDEO_M2M_MPLANE]
	_ = [1]int{}[capStreaming-C.V4L2_CAP_STREAMING]
	_ = [1]int{}[capDeviceCaps-C.V4L2_CAP_DEVICE_CAPS]
	_ = [1]int{}[bufTypeVideoCapture-C.V4L2_BUF_TYPE_VIDEO_CAPTURE]
	_ = [1]int{}[bufTypeVideoCaptureMPlane-C.V4L2_BUF_TYPE_VIDEO_CAPTURE_MPLANE]
	_ = [1]int{}[fmtFlagCompressed-C.V4L2_FMT_FLAG_COMPRESSED]
	_ = [1]int{}[fmtFlagEmulated-C.V4L2_FMT_FLAG_EMULATED]
	_ = [1]int{}[frmTypeDiscrete-C.V4L2_FRMSIZE_TYPE_DISCRETE]
	_ = [1]int{}[frmTypeDiscrete-C.V4L2_FRMIVAL_TYPE_DISCRETE]
)
