package rotate_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/dmicro-go/dmicro/internal/rotate"
)

// Example writes 14 lines of 8 bytes into a log that holds 32 bytes (four
// lines) per file and keeps two backups, lists the files, and reads the
// end of the current one back.
func Example() {
	dir, err := os.MkdirTemp("", "rotate-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)

	f, err := rotate.Open(rotate.Config{
		Path:     filepath.Join(dir, "app.log"),
		MaxBytes: 32,
		Backups:  2,
	})
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	for i := 1; i <= 14; i++ {
		fmt.Fprintf(f, "line %02d\n", i)
	}

	// Lines 1-4 went into a file that rotated past app.log.2 and was dropped.
	entries, err := os.ReadDir(dir)
	if err != nil {
		log.Fatal(err)
	}
	for _, e := range entries {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("%-9s %q\n", e.Name(), b)
	}

	last, err := f.Tail(8)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Tail(8): %q\n", last)

	data, offset, overflow, err := f.TailFrom(0, 100)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("TailFrom(0, 100): %q, next offset %d, overflow %v\n", data, offset, overflow)
	// Output:
	// app.log   "line 13\nline 14\n"
	// app.log.1 "line 09\nline 10\nline 11\nline 12\n"
	// app.log.2 "line 05\nline 06\nline 07\nline 08\n"
	// Tail(8): "line 14\n"
	// TailFrom(0, 100): "line 13\nline 14\n", next offset 16, overflow false
}
