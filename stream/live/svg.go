// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package live

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/goccy/go-graphviz"
)

// Graphviz runs as one WebAssembly instance per process (go-graphviz keeps
// its module in a package variable), which is not safe for concurrent
// use: every render takes gvMu. A render of a graph of ten stages takes
// about a millisecond.
var (
	gvMu  sync.Mutex         //nolint:gochecknoglobals // guards go-graphviz's process-wide module
	gv    *graphviz.Graphviz //nolint:gochecknoglobals // made once: compiling it takes a second
	gvErr error              //nolint:gochecknoglobals // why gv could not be made, kept with it
)

// renderSVG draws a Dot graph as SVG, without the XML prologue so that it
// can be put into a page as it is.
func renderSVG(dot string) (string, error) {
	gvMu.Lock()
	defer gvMu.Unlock()
	ctx := context.Background()
	if gv == nil && gvErr == nil {
		gv, gvErr = graphviz.New(ctx)
	}
	if gvErr != nil {
		return "", fmt.Errorf("live: graphviz: %w", gvErr)
	}
	graph, err := graphviz.ParseBytes([]byte(dot))
	if err != nil {
		return "", fmt.Errorf("live: graphviz: parse dot: %w", err)
	}
	defer func() { _ = graph.Close() }()
	var b bytes.Buffer
	if err := gv.Render(ctx, graph, graphviz.SVG, &b); err != nil {
		return "", fmt.Errorf("live: graphviz: render: %w", err)
	}
	svg := b.String()
	if i := strings.Index(svg, "<svg"); i > 0 {
		svg = svg[i:]
	}
	return svg, nil
}
