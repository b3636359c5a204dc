//go:build !unix

package lifecycle

import (
	"context"
	"fmt"
)

// errNoMulti is the error of multi-process mode on this system.
var errNoMulti = fmt.Errorf("%w: multi-process mode", ErrNotSupported)

// children stands in for the services' processes: multi-process mode
// needs a unix system.
type children struct{}

func newChildren(*runner) *children { return &children{} }

func (c *children) info() []ChildInfo { return nil }

func (c *children) startStop(context.Context, string, bool) error { return errNoMulti }

func (c *children) reload(context.Context) error { return errNoMulti }

func (r *runner) startChildren(context.Context) error { return errNoMulti }

func (r *runner) stopChildren(context.Context, bool) {}
