module github.com/spinorml/streamer

go 1.26.0

require (
	github.com/asticode/go-astiav v0.16.0
	github.com/go-gst/go-gst v1.4.0
	go.uber.org/goleak v1.3.0
	golang.org/x/sync v0.18.0
	golang.org/x/sys v0.48.0
)

require (
	github.com/asticode/go-astikit v0.42.0 // indirect
	github.com/go-gst/go-glib v1.4.0 // indirect
	github.com/mattn/go-pointer v0.0.1 // indirect
	golang.org/x/exp v0.0.0-20240909161429-701f63a606c0 // indirect
)
