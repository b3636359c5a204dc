package lifecycle

import (
	"context"
	"time"
)

// children are the services' processes of an app in multi-process mode.
type children struct{}

func (c *children) info() []ChildInfo { return nil }

func (c *children) startStop(ctx context.Context, name string, start bool) error { return nil }

func (r *runner) startChildren(ctx context.Context) error { return ErrNotSupported }

func (r *runner) stopChildren(ctx context.Context, handoff bool) {}

func childState(s string) State { return State(s) }

var _ = time.Second
