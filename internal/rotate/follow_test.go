package rotate

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
)

func TestFollowAcrossRotation(t *testing.T) {
	f := open(t, Config{MaxBytes: 20, Backups: 1})
	write(t, f, "before following\n")
	var got syncBuffer
	res := follow(context.Background(), f, &got)

	var want strings.Builder
	for i := range 12 {
		line := fmt.Sprintf("line %d\n", i)
		write(t, f, line)
		want.WriteString(line)
	}
	write(t, f, "a partial", " line\n", strings.Repeat("long", 10)+"\n")
	want.WriteString("a partial line\n" + strings.Repeat("long", 10) + "\n")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-res; err != nil {
		t.Fatalf("Follow after Close = %v, want nil", err)
	}
	if string(got.Bytes()) != want.String() {
		t.Fatalf("followed %q\nwant %q", got.Bytes(), want.String())
	}
}

func TestFollowCancel(t *testing.T) {
	f := open(t, Config{})
	ctx, cancel := context.WithCancel(context.Background())
	var got syncBuffer
	res := follow(ctx, f, &got)
	write(t, f, "one\n")
	cancel()
	if err := <-res; !errors.Is(err, context.Canceled) {
		t.Fatalf("Follow = %v, want context.Canceled", err)
	}
	f.mu.RLock()
	n := len(f.followers)
	f.mu.RUnlock()
	if n != 0 {
		t.Fatalf("%d followers left after Follow returned", n)
	}
	write(t, f, "two\n")
	if s := string(got.Bytes()); s != "" && s != "one\n" {
		t.Fatalf("followed %q", s)
	}
}

// blockingWriter blocks every Write until release is closed, and closes
// entered at the first.
type blockingWriter struct {
	entered, release chan struct{}
	once             sync.Once
	buf              bytes.Buffer
}

func newBlockingWriter() *blockingWriter {
	return &blockingWriter{entered: make(chan struct{}), release: make(chan struct{})}
}

func (w *blockingWriter) Write(p []byte) (int, error) {
	w.once.Do(func() { close(w.entered) })
	<-w.release
	return w.buf.Write(p)
}

// TestFollowSlow stalls a follower inside its writer and checks that writers
// go on, that its backlog stays within FollowBuffer, and that it then hands
// over an exact prefix of the stream and reports what it dropped.
func TestFollowSlow(t *testing.T) {
	const buffer = 1024
	f := open(t, Config{MaxBytes: 4096, Backups: 1, FollowBuffer: buffer})
	w := newBlockingWriter()
	res := follow(context.Background(), f, w)

	all := "first\n"
	write(t, f, all)
	<-w.entered // the follower holds "first\n" and is stuck in w

	line := strings.Repeat("s", 99) + "\n"
	for range 200 { // 20 KB, five rotations: none of it waits for w
		write(t, f, line)
		all += line
	}
	f.mu.RLock()
	fl := f.followers[0]
	fl.mu.Lock()
	backlog := len(fl.buf)
	fl.mu.Unlock()
	f.mu.RUnlock()
	if backlog > buffer {
		t.Fatalf("backlog of %d bytes, more than FollowBuffer %d", backlog, buffer)
	}

	close(w.release)
	err := <-res
	got := w.buf.String()
	if !errors.Is(err, ErrLagged) {
		t.Fatalf("Follow = %v, want ErrLagged", err)
	}
	if !strings.HasPrefix(all, got) || len(got) < len("first\n")+buffer-len(line) {
		t.Fatalf("followed %d bytes, not the first %d or more of what was written", len(got), len("first\n")+buffer-len(line))
	}
	if dropped := strconv.Itoa(len(all) - len(got)); !strings.Contains(err.Error(), " "+dropped+" bytes") {
		t.Errorf("error %q does not say %s bytes were dropped", err, dropped)
	}
}

func TestFollowBigWrite(t *testing.T) {
	f := open(t, Config{FollowBuffer: 16})
	var got syncBuffer
	res := follow(context.Background(), f, &got)
	big := strings.Repeat("b", 100) + "\n"
	write(t, f, big) // bigger than the buffer, but the buffer is empty
	f.Close()
	if err := <-res; err != nil {
		t.Fatalf("Follow = %v, want nil", err)
	}
	if string(got.Bytes()) != big {
		t.Fatalf("followed %d bytes, want %d", len(got.Bytes()), len(big))
	}
}

type failingWriter struct{}

var errFailing = errors.New("writer failed")

func (failingWriter) Write(p []byte) (int, error) { return 0, errFailing }

func TestFollowWriterFails(t *testing.T) {
	f := open(t, Config{})
	res := follow(context.Background(), f, failingWriter{})
	write(t, f, "x\n")
	if err := <-res; !errors.Is(err, errFailing) {
		t.Fatalf("Follow = %v, want the writer's error", err)
	}
	write(t, f, "y\n")
}

func TestFollowClosed(t *testing.T) {
	f := open(t, Config{})
	f.Close()
	if err := f.Follow(context.Background(), &syncBuffer{}); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("Follow after Close = %v, want os.ErrClosed", err)
	}
}

// TestTailFollowJoins starts TailFollow while a writer writes, and checks
// that what it wrote is one piece of the log: the head and what followed
// join with no byte lost or written twice.
func TestTailFollowJoins(t *testing.T) {
	f := open(t, Config{})
	var all strings.Builder
	for i := range 100 {
		line := fmt.Sprintf("before %d\n", i)
		write(t, f, line)
		all.WriteString(line)
	}
	lines := make(chan string, 1000)
	go func() {
		defer close(lines)
		for i := range 1000 {
			line := fmt.Sprintf("during %d\n", i)
			if _, err := f.Write([]byte(line)); err != nil {
				t.Error(err)
				return
			}
			lines <- line
		}
	}()
	var got syncBuffer
	res := make(chan error, 1)
	go func() { res <- f.TailFollow(context.Background(), &got, 64) }()
	for line := range lines {
		all.WriteString(line)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-res; err != nil {
		t.Fatalf("TailFollow after Close = %v, want nil", err)
	}
	if g := string(got.Bytes()); len(g) < 64 || !strings.HasSuffix(all.String(), g) {
		t.Fatalf("TailFollow wrote %d bytes that are not the log's end: %q", len(g), g)
	}
}
