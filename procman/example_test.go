//go:build unix

package procman_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/dmicro-go/dmicro/procman"
)

// Example runs a program that exits at once and shows the states it goes
// through: it fails its start four times and is given up on, as supervisord
// would.
func Example() {
	s, err := procman.New(procman.Config{})
	if err != nil {
		log.Fatal(err)
	}
	defer s.Close()
	events, cancel := s.Subscribe()
	defer cancel()

	err = s.Add(procman.Program{
		Name:      "flaky",
		Command:   "false", // exits 1 at once
		AutoStart: true,
		Backoff:   procman.Backoff{Min: 10 * time.Millisecond},
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx, stop := context.WithTimeout(context.Background(), time.Minute)
	defer stop()
	for {
		select {
		case ev := <-events:
			fmt.Println(ev.State)
			if ev.State == procman.StateFatal {
				return
			}
		case <-ctx.Done():
			log.Fatal(ctx.Err())
		}
	}
	// Output:
	// STARTING
	// BACKOFF
	// STARTING
	// BACKOFF
	// STARTING
	// BACKOFF
	// STARTING
	// BACKOFF
	// FATAL
}
