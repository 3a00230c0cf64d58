// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package vaapi

// Build-time checks of the pure-Go V4L2 structs and request numbers in
// v4l2.go against the installed linux/videodev2.h: an index out of range
// here means they differ. Nothing in this file runs.

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
	_ = [1]int{}[FourCCYU12-C.V4L2_PIX_FMT_YUV420]
	_ = [1]int{}[FourCCMJPG-C.V4L2_PIX_FMT_MJPEG]
	_ = [1]int{}[FourCCH264-C.V4L2_PIX_FMT_H264]
	_ = [1]int{}[FourCCAB24-C.V4L2_PIX_FMT_RGBA32]
	_ = [1]int{}[FourCCAR24-C.V4L2_PIX_FMT_ABGR32]
	_ = [1]int{}[capVideoCapture-C.V4L2_CAP_VIDEO_CAPTURE]
	_ = [1]int{}[capVideoCaptureMPlan-C.V4L2_CAP_VIDEO_CAPTURE_MPLANE]
	_ = [1]int{}[capVideoM2M-C.V4L2_CAP_VIDEO_M2M]
	_ = [1]int{}[capVideoM2MMPlane-C.V4L2_CAP_VIDEO_M2M_MPLANE]
	_ = [1]int{}[capStreaming-C.V4L2_CAP_STREAMING]
	_ = [1]int{}[capDeviceCaps-C.V4L2_CAP_DEVICE_CAPS]
)
