// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package servers

import (
	"fmt"
	"os"
	"path/filepath"
)

// rtmpModule is where Debian's libnginx-mod-rtmp installs the module.
const rtmpModule = "/usr/lib/nginx/modules/ngx_rtmp_module.so"

// Nginx is nginx with the RTMP module: an RTMP application "live" that
// takes publishes and serves plays of each stream key, and writes each
// stream as HLS (1 s fragments) into a folder served over HTTP.
type Nginx struct {
	*Proc
	RTMPPort, HTTPPort int
	// HLSDir is the folder nginx writes the HLS of each stream into.
	HLSDir string
}

// RTMP returns the URL to publish or play the stream called key.
func (n *Nginx) RTMP(key string) string {
	return fmt.Sprintf("rtmp://127.0.0.1:%d/live/%s", n.RTMPPort, key)
}

// HLS returns the URL of the HLS playlist nginx makes of the stream
// called key, once it has a fragment.
func (n *Nginx) HLS(key string) string {
	return fmt.Sprintf("http://127.0.0.1:%d/hls/%s.m3u8", n.HTTPPort, key)
}

// HTTP returns the base URL of nginx's web server (it serves
// t.TempDir()-based folders: see HLSDir).
func (n *Nginx) HTTP() string { return fmt.Sprintf("http://127.0.0.1:%d", n.HTTPPort) }

// NginxRTMP starts nginx with the RTMP module on free ports, with its own
// prefix, pid file and logs in a temporary folder; it skips the test when
// nginx or libnginx-mod-rtmp is missing. nginx-rtmp never ends a play
// session by itself: bound pullers by time or a graceful stop.
func NginxRTMP(t TB) *Nginx {
	t.Helper()
	bin := need(t, "nginx", "Debian package nginx")
	if _, err := os.Stat(rtmpModule); err != nil {
		t.Skipf("%s not found (Debian package libnginx-mod-rtmp): the test needs nginx's RTMP module", rtmpModule)
	}
	dir := t.TempDir()
	n := &Nginx{RTMPPort: FreeTCPPort(t), HTTPPort: FreeTCPPort(t), HLSDir: filepath.Join(dir, "hls")}
	if err := os.MkdirAll(n.HLSDir, 0o755); err != nil {
		t.Fatal(err)
	}
	conf := fmt.Sprintf(`load_module %[1]s;
daemon off;
master_process off;
pid %[2]s/nginx.pid;
error_log %[2]s/error.log warn;
events { worker_connections 256; }
rtmp {
	server {
		listen 127.0.0.1:%[3]d;
		chunk_size 4096;
		application live {
			live on;
			record off;
			hls on;
			hls_path %[4]s;
			hls_fragment 1s;
			hls_playlist_length 30s;
		}
	}
}
http {
	access_log off;
	client_body_temp_path %[2]s/body;
	proxy_temp_path %[2]s/proxy;
	fastcgi_temp_path %[2]s/fastcgi;
	uwsgi_temp_path %[2]s/uwsgi;
	scgi_temp_path %[2]s/scgi;
	types { application/vnd.apple.mpegurl m3u8; video/mp2t ts; }
	server {
		listen 127.0.0.1:%[5]d;
		location /hls/ {
			alias %[4]s/;
			add_header Cache-Control no-cache;
		}
	}
}
`, rtmpModule, dir, n.RTMPPort, n.HLSDir, n.HTTPPort)
	path := filepath.Join(dir, "nginx.conf")
	if err := os.WriteFile(path, []byte(conf), 0o644); err != nil {
		t.Fatal(err)
	}
	ready := func() error {
		if err := listensTCP(n.RTMPPort)(); err != nil {
			return err
		}
		return listensTCP(n.HTTPPort)()
	}
	n.Proc = start(t, ready, bin, "-p", dir, "-e", filepath.Join(dir, "error.log"), "-c", path)
	return n
}
