// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package conformance

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"strings"
)

// PacketHashes returns the MD5 of the payload of every packet of one
// stream of the file at path, in file order. Stream is an ffmpeg stream
// specifier relative to the file, such as "v:0" or "a:0".
//
// The packets are copied as stored, with no bitstream filter, by
// ffmpeg -c copy -f framemd5. Only payloads are hashed: timestamps,
// side data and the codec extradata are not. The hashes of a stream copy
// therefore equal those of its source only within one bitstream family:
// MP4, MOV, Matroska, WebM and FLV store H.264/H.265 length-prefixed and
// AAC raw, MPEG-TS stores them as Annex B and ADTS, so an MP4 remuxed to
// MPEG-TS hashes differently although no byte of picture data changed.
func PacketHashes(ctx context.Context, path, stream string) ([]string, error) {
	out, err := run(ctx, ffmpeg, "-nostdin", "-v", "error", "-i", path,
		"-map", "0:"+stream, "-c", "copy", "-f", "framemd5", "-")
	if err != nil {
		return nil, fmt.Errorf("packet hashes of %s stream %s: %w", path, stream, err)
	}
	hashes, err := parseFrameHash(out)
	if err != nil {
		return nil, fmt.Errorf("packet hashes of %s stream %s: %w", path, stream, err)
	}
	return hashes, nil
}

// parseFrameHash parses framehash version 2 output: comment lines start
// with '#', packet lines are "stream, dts, pts, duration, size, hash"
// optionally followed by side data entries.
func parseFrameHash(out []byte) ([]string, error) {
	var hashes []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		fields := strings.Split(line, ",")
		if len(fields) < 6 {
			return nil, fmt.Errorf("bad framemd5 line %q", line)
		}
		hashes = append(hashes, strings.TrimSpace(fields[5]))
	}
	return hashes, sc.Err()
}

// EqualHashes returns nil if a and b are the same list of hashes, and
// otherwise an error naming the first packet that differs or the counts.
func EqualHashes(a, b []string) error {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return fmt.Errorf("packet hashes: packet %d differs (%s != %s)", i, a[i], b[i])
		}
	}
	if len(a) != len(b) {
		return fmt.Errorf("packet hashes: %d packets, want %d (equal up to packet %d)", len(a), len(b), min(len(a), len(b)))
	}
	return nil
}
