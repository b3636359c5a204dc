package selector_test

import (
	"errors"
	"fmt"
	"time"

	"github.com/dmicro-go/dmicro/discovery"
	"github.com/dmicro-go/dmicro/discovery/selector"
)

func Example() {
	now := time.Unix(1_700_000_000, 0) // a fixed clock, so that the output is stable
	sel := selector.New(selector.Config{
		Strategy: selector.SmoothWeighted{},
		Now:      func() time.Time { return now },
	})
	sel.Update([]discovery.Node{
		{ID: "a", Address: "10.0.0.1:9000", Weight: 2},
		{ID: "b", Address: "10.0.0.2:9000"},
		{ID: "c", Address: "10.0.0.3:9000"},
	})

	pick := func() string {
		p, err := sel.Pick("")
		if err != nil {
			return err.Error()
		}
		defer p.Done(nil) // the call succeeded
		return p.Node.ID
	}
	fmt.Println(pick(), pick(), pick(), pick())

	// A call to b fails: b is kept out for its back-off.
	sel.Report("b", errors.New("connection refused"))
	fmt.Println(pick(), pick(), pick())

	// Past the back-off, b is back.
	now = now.Add(time.Minute)
	fmt.Println(pick(), pick(), pick(), pick())
	// Output:
	// a b c a
	// a c a
	// a b c a
}
