package metrics

import (
	"math"
	"strconv"
	"strings"
)

// expo appends one exposition to b, in the Prometheus text format 0.0.4,
// or in OpenMetrics 1.0.0 when om is set. The two differ in the metadata
// lines only: OpenMetrics names a counter family without its _total
// suffix, adds UNIT lines, escapes double quotes in HELP text, writes
// integral le labels as "1.0", and ends with "# EOF". A family's metadata
// is written with its first sample, so that a family without samples
// leaves no lines.
type expo struct {
	b      []byte
	om     bool
	consts string // constant labels, rendered

	name, typ, unit, help string // the family being written
	headed                bool   // its metadata is written
	labels                int    // labels written in the current sample
}

// family starts a family. name is its name without a counter's _total;
// typ is counter, gauge or histogram; unit, if not empty, is the suffix
// name ends with (seconds, bytes).
func (w *expo) family(name, typ, unit, help string) {
	w.name, w.typ, w.unit, w.help, w.headed = name, typ, unit, help, false
}

func (w *expo) header() {
	w.headed = true
	name := w.name
	if w.typ == "counter" && !w.om {
		name += "_total"
	}
	if w.om {
		w.meta("TYPE", name, w.typ)
		if w.unit != "" {
			w.meta("UNIT", name, w.unit)
		}
		w.meta("HELP", name, w.help)
		return
	}
	w.meta("HELP", name, w.help)
	w.meta("TYPE", name, w.typ)
}

func (w *expo) meta(kind, name, text string) {
	w.b = append(w.b, "# "...)
	w.b = append(w.b, kind...)
	w.b = append(w.b, ' ')
	w.b = append(w.b, name...)
	w.b = append(w.b, ' ')
	if kind == "HELP" {
		w.b = appendEscaped(w.b, text, w.om)
	} else {
		w.b = append(w.b, text...)
	}
	w.b = append(w.b, '\n')
}

// series starts a sample of the family: the family's name with suffix
// (_total, _bucket, ...), then the constant labels.
func (w *expo) series(suffix string) {
	if !w.headed {
		w.header()
	}
	w.b = append(w.b, w.name...)
	w.b = append(w.b, suffix...)
	w.labels = 0
	if w.consts != "" {
		w.b = append(w.b, '{')
		w.b = append(w.b, w.consts...)
		w.labels = 1
	}
}

// label adds a label to the sample; value must be escaped already.
func (w *expo) label(name, value string) {
	if w.labels == 0 {
		w.b = append(w.b, '{')
	} else {
		w.b = append(w.b, ',')
	}
	w.labels++
	w.b = append(w.b, name...)
	w.b = append(w.b, `="`...)
	w.b = append(w.b, value...)
	w.b = append(w.b, '"')
}

func (w *expo) endLabels() {
	if w.labels > 0 {
		w.b = append(w.b, '}')
	}
	w.b = append(w.b, ' ')
}

// uint ends the sample with v.
func (w *expo) uint(v uint64) {
	w.endLabels()
	w.b = strconv.AppendUint(w.b, v, 10)
	w.b = append(w.b, '\n')
}

// int ends the sample with v.
func (w *expo) int(v int64) {
	w.endLabels()
	w.b = strconv.AppendInt(w.b, v, 10)
	w.b = append(w.b, '\n')
}

// float ends the sample with v.
func (w *expo) float(v float64) {
	w.endLabels()
	w.b = appendFloat(w.b, v, false)
	w.b = append(w.b, '\n')
}

// end finishes the exposition.
func (w *expo) end() {
	if w.om {
		w.b = append(w.b, "# EOF\n"...)
	}
}

// appendFloat appends v as both formats read it; canonical adds ".0" to
// an integral value, as OpenMetrics wants of le labels.
func appendFloat(b []byte, v float64, canonical bool) []byte {
	switch {
	case math.IsInf(v, 1):
		return append(b, "+Inf"...)
	case math.IsInf(v, -1):
		return append(b, "-Inf"...)
	case math.IsNaN(v):
		return append(b, "NaN"...)
	}
	n := len(b)
	b = strconv.AppendFloat(b, v, 'g', -1, 64)
	if canonical && !strings.ContainsAny(string(b[n:]), ".e") {
		b = append(b, ".0"...)
	}
	return b
}

// escapeLabel escapes a label value: backslash, double quote and newline.
func escapeLabel(s string) string {
	if !strings.ContainsAny(s, "\\\"\n") {
		return s
	}
	return string(appendEscaped(nil, s, true))
}

// appendEscaped appends s with backslashes and newlines escaped, and
// double quotes too when quotes is set (label values, and OpenMetrics'
// HELP text).
func appendEscaped(b []byte, s string, quotes bool) []byte {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\\':
			b = append(b, `\\`...)
		case c == '\n':
			b = append(b, `\n`...)
		case c == '"' && quotes:
			b = append(b, `\"`...)
		default:
			b = append(b, c)
		}
	}
	return b
}
