module github.com/spinorml/streamer

go 1.26

require golang.org/x/sync v0.18.0

require go.uber.org/goleak v1.3.0 // indirect
