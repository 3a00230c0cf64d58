// Copyright © SpinorML Ltd., licensed under AGPL-3.0.
//
// An RTSP server for the tests, on gst-rtsp-server: a RECORD mount that
// takes an H.264 + AAC publish (ANNOUNCE/RECORD) and a PLAY mount serving
// a live test stream. (Replaying the recorded stream on the PLAY mount
// would need two media pipelines to share elements, which
// gst-rtsp-server's launch descriptions cannot say.)
// It prints "teardown PATH" when a client sends TEARDOWN, so that tests
// can check that a graceful stop ends its session.
// Usage: rtsp_server PORT
#include <stdio.h>
#include <gst/gst.h>
#include <gst/rtsp-server/rtsp-server.h>

static void on_teardown(GstRTSPClient *client, GstRTSPContext *ctx, gpointer data) {
	g_print("teardown %s\n", ctx->uri != NULL && ctx->uri->abspath != NULL ? ctx->uri->abspath : "?");
	fflush(stdout); // the log is a pipe: unflushed lines would wait for exit
}

static void on_client(GstRTSPServer *server, GstRTSPClient *client, gpointer data) {
	g_signal_connect(client, "teardown-request", G_CALLBACK(on_teardown), NULL);
}

int main(int argc, char **argv) {
	gst_init(&argc, &argv);
	if (argc != 2) {
		g_printerr("usage: %s PORT\n", argv[0]);
		return 2;
	}
	GMainLoop *loop = g_main_loop_new(NULL, FALSE);
	GstRTSPServer *server = gst_rtsp_server_new();
	gst_rtsp_server_set_address(server, "127.0.0.1");
	gst_rtsp_server_set_service(server, argv[1]);
	g_signal_connect(server, "client-connected", G_CALLBACK(on_client), NULL);
	GstRTSPMountPoints *mounts = gst_rtsp_server_get_mount_points(server);

	// RECORD takes H.264 + AAC (what an RTSP publish sends) and drops it.
	GstRTSPMediaFactory *record = gst_rtsp_media_factory_new();
	gst_rtsp_media_factory_set_launch(record,
		"( rtph264depay name=depay0 ! h264parse ! fakesink async=false "
		"rtpmp4gdepay name=depay1 ! aacparse ! fakesink async=false )");
	gst_rtsp_media_factory_set_transport_mode(record, GST_RTSP_TRANSPORT_MODE_RECORD);
	gst_rtsp_mount_points_add_factory(mounts, "/record", record);

	// PLAY serves a live test pattern and tone, H.264 (a key frame a
	// second, parameter sets with each) and AAC, one pipeline for all.
	GstRTSPMediaFactory *play = gst_rtsp_media_factory_new();
	gst_rtsp_media_factory_set_launch(play,
		"( videotestsrc is-live=true ! video/x-raw,width=320,height=240,framerate=30/1 ! "
		"x264enc tune=zerolatency speed-preset=ultrafast key-int-max=30 ! h264parse config-interval=-1 ! "
		"rtph264pay name=pay0 pt=96 config-interval=-1 "
		"audiotestsrc is-live=true samplesperbuffer=1024 ! audio/x-raw,rate=48000,channels=2 ! audioconvert ! avenc_aac ! "
		"aacparse ! rtpmp4gpay name=pay1 pt=97 )");
	gst_rtsp_media_factory_set_shared(play, TRUE);
	gst_rtsp_mount_points_add_factory(mounts, "/play", play);
	g_object_unref(mounts);

	if (gst_rtsp_server_attach(server, NULL) == 0) {
		g_printerr("rtsp_server: cannot listen on 127.0.0.1:%s\n", argv[1]);
		return 1;
	}
	g_print("ready\n");
	g_main_loop_run(loop);
	return 0;
}
