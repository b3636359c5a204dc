package metrics

import (
	"errors"
	"math"
	"strings"
	"testing"
)

func TestConfigValidate(t *testing.T) {
	for name, cfg := range map[string]Config{
		"zero":    {},
		"default": DefaultConfig(),
		"custom":  {Namespace: "my_app2", Buckets: []float64{1e-9, 0.1, 1}, MaxMethods: 5, ConstLabels: map[string]string{"service": "a\"b", "_zone": ""}},
	} {
		if err := cfg.Validate(); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		if _, err := New(cfg); err != nil {
			t.Errorf("New(%s): %v", name, err)
		}
	}
	for _, c := range []struct {
		name string
		cfg  Config
		want string
	}{
		{"namespace with a digit first", Config{Namespace: "9lives"}, "namespace"},
		{"namespace with a dash", Config{Namespace: "my-app"}, "namespace"},
		{"namespace with a colon", Config{Namespace: "a:b"}, "namespace"},
		{"no buckets", Config{Buckets: []float64{}}, "no buckets"},
		{"buckets out of order", Config{Buckets: []float64{1, 0.5}}, "does not exceed"},
		{"buckets repeated", Config{Buckets: []float64{1, 1}}, "does not exceed"},
		{"buckets one nanosecond apart after rounding", Config{Buckets: []float64{1e-9, 1.5e-9}}, "does not exceed"},
		{"bucket NaN", Config{Buckets: []float64{math.NaN()}}, "NaN"},
		{"bucket +Inf", Config{Buckets: []float64{1, math.Inf(1)}}, "+Inf"},
		{"bucket zero", Config{Buckets: []float64{0, 1}}, "under a nanosecond"},
		{"negative MaxMethods", Config{MaxMethods: -1}, "MaxMethods"},
		{"label the plugin sets", Config{ConstLabels: map[string]string{"method": "x"}}, "set by the plugin"},
		{"label with __", Config{ConstLabels: map[string]string{"__name__": "x"}}, "label name"},
		{"label with a dash", Config{ConstLabels: map[string]string{"a-b": "x"}}, "label name"},
		{"label value not UTF-8", Config{ConstLabels: map[string]string{"a": "\xff"}}, "UTF-8"},
	} {
		err := c.cfg.Validate()
		if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: %v, want ErrInvalidConfig saying %q", c.name, err, c.want)
		}
		if mt, err := New(c.cfg); mt != nil || !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("New(%s): %v, %v", c.name, mt, err)
		}
	}
	// Every fault is reported at once.
	err := Config{Namespace: "-", MaxMethods: -2}.Validate()
	if !strings.Contains(err.Error(), "namespace") || !strings.Contains(err.Error(), "MaxMethods") {
		t.Errorf("two faults: %v", err)
	}
}

func TestConfigClone(t *testing.T) {
	cfg := Config{Buckets: []float64{1, 2}, ConstLabels: map[string]string{"a": "b"}}
	c := cfg.Clone()
	c.Buckets[0], c.ConstLabels["a"] = 0.5, "c"
	if cfg.Buckets[0] != 1 || cfg.ConstLabels["a"] != "b" {
		t.Errorf("the clone shares with the original: %v", cfg)
	}
}
