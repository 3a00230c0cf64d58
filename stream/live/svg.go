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
	gvMu  sync.Mutex
	gv    *graphviz.Graphviz
	gvErr error
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
	defer graph.Close()
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
