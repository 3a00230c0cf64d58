// Copyright © SpinorML Ltd., licensed under AGPL-3.0.

package media

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/spinorml/streamer/frame"
	"github.com/spinorml/streamer/stage"
)

// Backend is what a backend registers: a builder per job it can do (nil
// for a job it cannot). A builder validates nothing the package already
// validated; it refuses a description it cannot serve with an error
// wrapping ErrUnsupported that says why ("no H265 encoder element
// installed"), and fails with any other error for a real failure (a
// missing file: errors.Is(err, fs.ErrNotExist)).
type Backend struct {
	// Name is how callers prefer it ("gst", "ffmpeg", "vaapi").
	Name string
	// Hardware backends are tried before software ones.
	Hardware bool

	VideoEncoder func(VideoEncoding) (stage.Transform[frame.Video, frame.Video], error)
	AudioEncoder func(AudioEncoding) (stage.Transform[frame.Audio, frame.Audio], error)
	VideoDecoder func(Decoding) (stage.Transform[frame.Video, frame.Video], error)
	AudioDecoder func(Decoding) (stage.Transform[frame.Audio, frame.Audio], error)
	Scaler       func(Scaling) (stage.Transform[frame.Video, frame.Video], error)
	Resampler    func(Resampling) (stage.Transform[frame.Audio, frame.Audio], error)
	Open         func(Input) (Demuxer, error)
	Write        func(Output) (Muxer, error)
}

// ErrUnsupported is wrapped by a backend's refusal, and by the error when
// no backend accepts a job.
var ErrUnsupported = errors.New("unsupported")

// Unsupported returns a refusal: an error wrapping ErrUnsupported.
func Unsupported(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrUnsupported}, args...)...)
}

// The registry is package state by design, as database/sql's drivers
// are: a backend registers itself from its init, so that a blank import is
// all a program needs.
var (
	mu       sync.RWMutex //nolint:gochecknoglobals // guards the registry
	backends []Backend    //nolint:gochecknoglobals // the registry (see above)
)

// Register makes a backend available. It panics if the name is empty or
// taken, as sql.Register does: both are programming errors.
func Register(b Backend) {
	mu.Lock()
	defer mu.Unlock()
	if b.Name == "" {
		panic("media: Register of a backend without a name")
	}
	for _, o := range backends {
		if o.Name == b.Name {
			panic("media: Register called twice for backend " + b.Name)
		}
	}
	backends = append(backends, b)
}

// Backends returns the names of the registered backends, in the order a
// job without preference tries them: hardware first, then software, each
// in registration order.
func Backends() []string {
	var names []string
	for _, b := range candidates(nil) {
		names = append(names, b.Name)
	}
	return names
}

// Lookup returns the registered backend called name, and false when none
// is: a test that must run one backend's builder alone (to learn why it
// refuses a job another backend would take) calls it directly.
func Lookup(name string) (Backend, bool) {
	mu.RLock()
	defer mu.RUnlock()
	for _, b := range backends {
		if b.Name == name {
			return b, true
		}
	}
	return Backend{}, false
}

// candidates orders the backends: the preferred names first, in the given
// order, then hardware, then software.
func candidates(prefer []string) []Backend {
	mu.RLock()
	defer mu.RUnlock()
	var out []Backend
	for _, name := range prefer {
		for _, b := range backends {
			if b.Name == name && !slices.ContainsFunc(out, func(o Backend) bool { return o.Name == name }) {
				out = append(out, b)
			}
		}
	}
	for _, hw := range []bool{true, false} {
		for _, b := range backends {
			if b.Hardware == hw && !slices.ContainsFunc(out, func(o Backend) bool { return o.Name == b.Name }) {
				out = append(out, b)
			}
		}
	}
	return out
}

// Refusal is one candidate's reason for not doing a job.
type Refusal struct {
	Backend string
	Err     error
}

// SelectError is the error when no backend did a job: it lists every
// candidate and why it refused. errors.Is(err, ErrUnsupported) holds when
// every refusal was one; errors.Is and errors.As also see each reason.
type SelectError struct {
	Job      string
	Refusals []Refusal
}

func (e *SelectError) Error() string {
	if len(e.Refusals) == 0 {
		return "media: " + e.Job + ": no backend registered (import one: _ \"github.com/spinorml/streamer/ffmpeg\" or gst)"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "media: %s: no backend could do it:", e.Job)
	for _, r := range e.Refusals {
		fmt.Fprintf(&b, "\n\t%s", named(r.Backend, r.Err))
	}
	return b.String()
}

// Unwrap returns every reason, and ErrUnsupported when there were none.
func (e *SelectError) Unwrap() []error {
	if len(e.Refusals) == 0 {
		return []error{ErrUnsupported}
	}
	errs := make([]error, len(e.Refusals))
	for i, r := range e.Refusals {
		errs[i] = r.Err
	}
	return errs
}

// pick runs build on each candidate that has the job, in order, until one
// succeeds. A refusal (ErrUnsupported) moves on to the next; any other
// error is a real failure and is returned at once, naming the backend.
func pick[T any](job string, prefer []string, has func(Backend) bool, build func(Backend) (T, error)) (T, error) {
	var zero T
	e := &SelectError{Job: job}
	for _, b := range candidates(prefer) {
		if !has(b) {
			continue
		}
		v, err := build(b)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, ErrUnsupported) {
			return zero, fmt.Errorf("media: %s: %w", job, namedErr{b.Name, err})
		}
		e.Refusals = append(e.Refusals, Refusal{Backend: b.Name, Err: err})
	}
	return zero, e
}

// named is err's text beginning with the backend's name, once: backends'
// own errors usually name themselves ("gst: ...").
func named(backend string, err error) string {
	if msg := err.Error(); strings.HasPrefix(msg, backend+":") {
		return msg
	}
	return backend + ": " + err.Error()
}

// namedErr is a backend's failure, its text beginning with the backend's
// name.
type namedErr struct {
	backend string
	err     error
}

func (e namedErr) Error() string { return named(e.backend, e.err) }
func (e namedErr) Unwrap() error { return e.err }
