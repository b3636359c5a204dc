package heartbeat_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/internal/leakcheck"
	"github.com/dmicro-go/dmicro/plugin/heartbeat"
	"github.com/dmicro-go/dmicro/rpc"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  heartbeat.Config
		want string // part of the error; "" for none
	}{
		{"zero", heartbeat.Config{}, ""},
		{"defaults", heartbeat.DefaultConfig(), ""},
		{"short", heartbeat.Config{Interval: heartbeat.MinInterval, Misses: 2, Path: "/hb"}, ""},
		{"negative interval", heartbeat.Config{Interval: -time.Second}, "Interval -1s is below 1ms"},
		{"tiny interval", heartbeat.Config{Interval: time.Microsecond}, "Interval 1µs is below 1ms"},
		{"negative misses", heartbeat.Config{Misses: -1}, "Misses -1 is negative"},
		{"one miss", heartbeat.Config{Misses: 1}, "Misses 1 leaves a peer no time"},
		{"relative path", heartbeat.Config{Path: "heartbeat"}, `Path "heartbeat" does not start with /`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("Validate: %v; want an error saying %q", err, tt.want)
			}
		})
	}
}

func TestDefaultConfig(t *testing.T) {
	want := heartbeat.Config{Interval: 15 * time.Second, Misses: 3, Path: "/heartbeat"}
	if got := heartbeat.DefaultConfig(); got != want {
		t.Errorf("DefaultConfig() = %+v, want %+v", got, want)
	}
	if got := heartbeat.New(heartbeat.Config{}).Config(); got != want {
		t.Errorf("New(Config{}).Config() = %+v, want %+v", got, want)
	}
}

// An invalid config makes NewEndpoint fail with Validate's error.
func TestNewEndpointRefusesBadConfig(t *testing.T) {
	leakcheck.Check(t)
	_, err := rpc.NewEndpoint(rpc.Config{}, heartbeat.New(heartbeat.Config{Misses: 1, Interval: -1}))
	if err == nil || !strings.Contains(err.Error(), "Misses 1") || !strings.Contains(err.Error(), "Interval -1ns") {
		t.Fatalf("NewEndpoint: %v; want both config errors", err)
	}
}

type failing struct{}

func (failing) Name() string                         { return "failing" }
func (failing) AfterNewEndpoint(*rpc.Endpoint) error { return errors.New("no") }

// When a later plugin fails NewEndpoint, no AfterCloseEndpoint runs: the
// plugin must have started nothing.
func TestFailedNewEndpointLeavesNothing(t *testing.T) {
	leakcheck.Check(t)
	if _, err := rpc.NewEndpoint(rpc.Config{}, heartbeat.New(heartbeat.Config{}), failing{}); err == nil {
		t.Fatal("NewEndpoint succeeded")
	}
}

// The ping route is taken: an application cannot register over it.
func TestPathIsRouted(t *testing.T) {
	leakcheck.Check(t)
	ep, err := rpc.NewEndpoint(rpc.Config{}, heartbeat.New(heartbeat.Config{Path: "/hb"}))
	if err != nil {
		t.Fatal(err)
	}
	defer ep.Close()
	var paths []string
	for _, r := range ep.Router().Routes() {
		paths = append(paths, r.Path)
	}
	if got := strings.Join(paths, " "); got != "/hb /hb" {
		t.Errorf("routes %q, want the call and the push at /hb", got)
	}
}
