package metrics

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"unicode/utf8"
)

// Defaults of [Config].
const (
	// DefaultNamespace prefixes every metric name but the runtime's.
	DefaultNamespace = "dmicro"
	// DefaultMaxMethods is how many method labels the plugin learns from
	// traffic before it counts further methods under [OtherMethod].
	DefaultMaxMethods = 1000
)

// DefaultBuckets returns the default upper bounds, in seconds, of the call
// duration histograms: 0.5 ms to 10 s.
func DefaultBuckets() []float64 {
	return []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10}
}

// ErrInvalidConfig is wrapped by the errors of [Config.Validate] and [New].
var ErrInvalidConfig = errors.New("metrics: invalid config")

// Config configures a [Metrics]. Its zero value works: every field says
// what zero means.
type Config struct {
	// Namespace is the first word of every metric name ("dmicro" gives
	// dmicro_client_calls_total), except the go_* runtime metrics. It must
	// match [a-zA-Z_][a-zA-Z0-9_]*. Empty means [DefaultNamespace].
	Namespace string
	// Buckets are the upper bounds, in seconds, of the call duration
	// histograms, in increasing order; +Inf is added. Each must be at least
	// a nanosecond, the resolution of the measurement. Nil means
	// [DefaultBuckets]. An observation costs a binary search over them.
	Buckets []float64
	// MaxMethods caps the method labels learnt from traffic: the methods
	// of calls and pushes sent and received, including unknown paths a
	// peer calls. Past the cap, further methods are counted under
	// [OtherMethod]. The paths of the endpoint's own routes always get
	// their label and do not count. Each method costs 1.2 to 4.7 KiB with
	// the default buckets, by the number of Ps (see the package
	// documentation). Zero means [DefaultMaxMethods]; negative is invalid.
	MaxMethods int
	// Runtime adds gauges and counters read from runtime/metrics at each
	// scrape: go_goroutines, go_threads, go_gomaxprocs, heap and memory
	// sizes, bytes and objects allocated, GC cycles and GC CPU time.
	Runtime bool
	// ConstLabels are added to every sample, such as {"service": "billing"}.
	// Names must match [a-zA-Z_][a-zA-Z0-9_]*, must not begin with "__"
	// and must not be one the plugin sets (method, code, type, side, le);
	// values must be valid UTF-8. Nil means none.
	ConstLabels map[string]string
}

// DefaultConfig returns the zero Config with its defaults filled in.
func DefaultConfig() Config {
	return Config{Namespace: DefaultNamespace, Buckets: DefaultBuckets(), MaxMethods: DefaultMaxMethods}
}

// Clone returns a copy of c that shares no slice or map with it.
func (c Config) Clone() Config {
	c.Buckets = slices.Clone(c.Buckets)
	c.ConstLabels = maps.Clone(c.ConstLabels)
	return c
}

// withDefaults returns c with zero fields set to their defaults.
func (c Config) withDefaults() Config {
	if c.Namespace == "" {
		c.Namespace = DefaultNamespace
	}
	if c.Buckets == nil {
		c.Buckets = DefaultBuckets()
	}
	if c.MaxMethods == 0 {
		c.MaxMethods = DefaultMaxMethods
	}
	return c
}

// Validate reports every field of c that New would refuse, joined, each
// wrapping [ErrInvalidConfig]. Zero fields are valid.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	bad := func(format string, args ...any) {
		errs = append(errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalidConfig}, args...)...))
	}
	if !validName(c.Namespace) {
		bad("namespace %q is not a metric name", c.Namespace)
	}
	if len(c.Buckets) == 0 {
		bad("no buckets")
	}
	for i, b := range c.Buckets {
		switch {
		case math.IsNaN(b) || math.IsInf(b, 0):
			bad("bucket %d is %v", i, b)
		case b < 1e-9:
			bad("bucket %d is %v s, under a nanosecond", i, b)
		case i > 0 && nanos(b) <= nanos(c.Buckets[i-1]):
			bad("bucket %d (%v s) does not exceed the one before (%v s)", i, b, c.Buckets[i-1])
		}
	}
	if c.MaxMethods < 0 {
		bad("MaxMethods is %d", c.MaxMethods)
	}
	for _, name := range slices.Sorted(maps.Keys(c.ConstLabels)) {
		switch {
		case !validName(name) || strings.HasPrefix(name, "__"):
			bad("constant label name %q", name)
		case reserved(name):
			bad("constant label %q is set by the plugin", name)
		case !utf8.ValidString(c.ConstLabels[name]):
			bad("constant label %q has a value that is not UTF-8", name)
		}
	}
	return errors.Join(errs...)
}

// nanos converts a bucket bound in seconds to whole nanoseconds: a
// duration of d nanoseconds is at most b seconds when d <= nanos(b).
func nanos(b float64) int64 { return int64(math.Floor(b * 1e9)) }

// reserved reports whether name is a label the plugin sets itself, which a
// constant label may not take.
func reserved(name string) bool {
	switch name {
	case "method", "code", "type", "side", "le":
		return true
	}
	return false
}

// validName reports whether s is a metric or label name without colons.
func validName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '_', 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z':
		case '0' <= c && c <= '9' && i > 0:
		default:
			return false
		}
	}
	return true
}
