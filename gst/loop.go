// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package gst

import (
	"fmt"
	"regexp"
	"strings"
)

// checkLaunch refuses the descriptions that make GStreamer 1.22 recurse
// until its stack overflows, and those that could bind to the guard that
// streamer_parse puts first (GStreamer calls them syntax errors too).
func checkLaunch(desc string) error {
	if strings.IndexByte(desc, 0) >= 0 {
		// C sees only what comes before it, which the checks below would not.
		return fmt.Errorf("gst: invalid launch description %q: it contains a NUL byte", desc)
	}
	s := scanLaunch(desc)
	if at, loop := s.loop(); loop {
		return fmt.Errorf("gst: invalid launch description %q: its links loop back through %s (GStreamer would recurse until its stack overflows)", desc, at)
	}
	if tok, bad := s.badStart(); bad {
		return fmt.Errorf("gst: invalid launch description %q: syntax error: it starts with %q, not an element, a reference or a bin", desc, tok)
	}
	return nil
}

// scanLaunch lexes desc once, for loop and for badStart.
func scanLaunch(desc string) *loopScan {
	s := &loopScan{}
	s.scan(desc)
	return s
}

// badStart returns the first token of the description, when it cannot
// start one: an element, a URI, a reference or a bin can. GStreamer calls
// anything else a syntax error; an empty description passes here and fails
// in streamer_parse ("no element").
func (s *loopScan) badStart() (string, bool) { return s.start, s.started && !s.startOK }

type loopScan struct {
	names []string       // per node: its first name= ("" when none)
	named []alias        // every name= seen: an element given two is known by both
	refs  map[int]string // reference nodes: the name they refer to
	edges [][2]int
	prev  int  // node the next "!" links from, -1 at a chain's start
	first int  // the first node of the current bin (or top level), -1 before it
	cur   int  // element node a name= applies to, -1 when none
	link  bool // a "!" waits for its downstream end
	stack []outer

	start            string // the first token
	started, startOK bool   // seen; can start a description
}

// alias is a name given to node id.
type alias struct {
	name string
	id   int
}

// outer is the chain state around a bin.
type outer struct {
	prev, first int
	link        bool
}

func (s *loopScan) node(ref string) int {
	id := len(s.names)
	s.names = append(s.names, "")
	if s.first < 0 {
		s.first = id
	}
	if ref != "" {
		if s.refs == nil {
			s.refs = map[int]string{}
		}
		s.refs[id] = ref
	}
	if s.link && s.prev >= 0 {
		s.edges = append(s.edges, [2]int{s.prev, id})
	}
	s.link = false
	s.prev = id
	return id
}

// The patterns of GStreamer's launch lexer (gst/parse/parse.l of 1.22, the
// version Debian 12 ships: it has no comments yet, "#" is a plain byte), in
// its rule order; like flex, lex takes the longest match and, among equals,
// the first rule.
var launchLexer = func() []*regexp.Regexp { //nolint:gochecknoglobals // compiled once: the lexer's rules
	const (
		ident    = `[[:alnum:]_][[:alnum:]\-_%:]*`
		char     = `(?:\\.|[^[:space:]])`
		str      = `(?:` + char + `+|"(?:[^"]|\\")*"|'(?:[^']|\\')*')`
		assign   = `[[:space:]]*=[[:space:]]*`
		protocol = `[[:alpha:]][[:alnum:]+,\-.]*`
		url      = `(?:` + protocol + `://` + str + `|[".{_identfr}]?/` + str + `)|(?:` + protocol + `://)`
		mimechar = `[[:alnum:]\-]`
		caps     = mimechar + `+/` + mimechar + `+(?:,[^!]|(?:\\.|[^;!])+)*`
		link     = `[!:][[:space:]]*` + caps + `(?:[[:space:]]*(?:;[[:space:]]*` + caps + `)*[[:space:]]*)*[!:]|[!:]`
	)
	var res []*regexp.Regexp
	for _, p := range []string{
		ident + assign + str,                   // tokAssignment
		`@preset` + assign + str,               // tokPreset
		`\.` + ident,                           // tokPadRef
		ident + `\.(?:` + ident + `)?`,         // tokRef
		ident + `[[:space:]]*\.[[:space:]]*\(`, // tokBinRef
		ident,                                  // tokIdentifier
		link,                                   // tokLink
		url,                                    // tokURL
		`[(){}.!:,;=]`,                         // tokOperator
		`[[:space:]]+`,                         // tokSpace
		`(?s:.)`,                               // tokOther
	} {
		re := regexp.MustCompile(`^(?:` + p + `)`)
		re.Longest()
		res = append(res, re)
	}
	return res
}()

const (
	tokAssignment = iota
	tokPreset
	tokPadRef
	tokRef
	tokBinRef
	tokIdentifier
	tokLink
	tokURL
	tokOperator
	tokSpace
	tokOther
)

// lex returns the kind and length of the token at the start of rest.
func lex(rest string) (kind, n int) {
	kind, n = tokOther, 1
	best := 0
	for k, re := range launchLexer {
		if loc := re.FindStringIndex(rest); loc != nil && loc[1] > best {
			kind, best = k, loc[1]
		}
	}
	return kind, max(best, n)
}

func (s *loopScan) scan(desc string) {
	s.prev, s.cur, s.first = -1, -1, -1
	for i := 0; i < len(desc); {
		kind, n := lex(desc[i:])
		tok := desc[i : i+n]
		i += n
		if !s.started && kind != tokSpace {
			s.start, s.started = tok, true
			s.startOK = kind == tokIdentifier || kind == tokURL || kind == tokRef || kind == tokBinRef || tok == "("
		}
		switch kind {
		case tokAssignment:
			key, value, _ := strings.Cut(tok, "=")
			if strings.TrimSpace(key) == "name" && s.cur >= 0 {
				value = strings.TrimSpace(value)
				if len(value) >= 2 && (value[0] == '"' || value[0] == '\'') && value[len(value)-1] == value[0] {
					value = value[1 : len(value)-1]
				}
				if s.names[s.cur] == "" {
					s.names[s.cur] = value
				}
				s.named = append(s.named, alias{value, s.cur})
			}
		case tokRef:
			name, _, _ := strings.Cut(tok, ".")
			s.node(name)
			s.cur = -1
		case tokIdentifier, tokURL:
			s.cur = s.node("")
		case tokLink:
			s.link = true
		case tokBinRef:
			s.open()
		case tokOperator:
			switch tok {
			case "(":
				s.open()
			case ")":
				s.close()
			}
		}
	}
}

// open starts a bin: its elements form chains of their own.
func (s *loopScan) open() {
	s.stack = append(s.stack, outer{s.prev, s.first, s.link})
	s.prev, s.cur, s.first, s.link = -1, -1, -1, false
}

// close ends a bin. As in GStreamer's grammar, a link into the bin goes to
// the first element of its first chain and a link out of it leaves from the
// last element of its last chain.
func (s *loopScan) close() {
	first, last := s.first, s.prev
	if n := len(s.stack); n > 0 {
		top := s.stack[n-1]
		s.stack = s.stack[:n-1]
		s.prev, s.first, s.link = top.prev, top.first, top.link
	}
	s.cur = -1
	if first < 0 || last < 0 { // an empty bin: an element of its own
		s.node("")
		return
	}
	if s.link && s.prev >= 0 {
		s.edges = append(s.edges, [2]int{s.prev, first})
	}
	s.link = false
	if s.first < 0 {
		s.first = first
	}
	s.prev = last
}

// loop reports whether the links of a launch description form a loop
// ("t. ! queue ! tee name=t"), and the name of an element on it. GStreamer
// links such a description and then recurses through its caps queries
// until the stack overflows (gst-launch-1.0 crashes the same way), so the
// description is refused before GStreamer sees it.
//
// The scan lexes as GStreamer does and follows its grammar closely enough
// to find elements, names, references and links; where it is unsure
// (references to default names) it adds no edge. It works on elements, not
// pads: a loop through an element whose pads are independent (rtpbin's
// send and receive sides) is refused too, though GStreamer might run it.
//
// It resolves references to the elements they name and looks for a cycle.
func (s *loopScan) loop() (string, bool) {
	// Two elements of one name are an error GStreamer reports late (the
	// second stays out of the bin, linked all the same): a reference
	// stands for each.
	byName := map[string][]int{}
	for _, a := range s.named {
		byName[a.name] = append(byName[a.name], a.id)
	}
	resolve := func(id int) []int {
		if name, ok := s.refs[id]; ok {
			if els, ok := byName[name]; ok {
				return els
			}
		}
		return []int{id}
	}
	next := map[int][]int{}
	for _, e := range s.edges {
		for _, from := range resolve(e[0]) {
			next[from] = append(next[from], resolve(e[1])...)
		}
	}
	const (
		unseen = iota
		open
		done
	)
	state := make([]int, len(s.names))
	var path []int // the nodes open, in order
	var visit func(int) ([]int, bool)
	visit = func(n int) ([]int, bool) {
		state[n] = open
		path = append(path, n)
		for _, m := range next[n] {
			switch state[m] {
			case open:
				for i := len(path) - 1; i >= 0; i-- {
					if path[i] == m {
						return path[i:], true
					}
				}
			case unseen:
				if cycle, ok := visit(m); ok {
					return cycle, true
				}
			}
		}
		path = path[:len(path)-1]
		state[n] = done
		return nil, false
	}
	for n := range s.names {
		if state[n] != unseen {
			continue
		}
		if cycle, ok := visit(n); ok {
			for _, m := range cycle {
				if s.names[m] != "" {
					return s.names[m], true
				}
			}
			return "an unnamed element", true
		}
	}
	return "", false
}
