package codec

import (
	"testing"

	"google.golang.org/protobuf/types/known/wrapperspb"
)

func TestAllocs(t *testing.T) {
	if testing.CoverMode() != "" {
		t.Skip("coverage instrumentation allocates")
	}
	s := Standard()
	msg := wrapperspb.String("an allocation-free message")
	buf := make([]byte, 0, 256)
	var sink Codec
	tests := []struct {
		name string
		run  func()
	}{
		{"Protobuf.Marshal", func() {
			var err error
			if buf, err = (Protobuf{}).Marshal(buf[:0], msg); err != nil {
				t.Fatal(err)
			}
		}},
		{"Set.ByID", func() { sink = s.ByID('p') }},
		{"Set.ByID absent", func() { sink = s.ByID('q') }},
		{"Set.ByName", func() { sink = s.ByName("protobuf") }},
		{"Set.ByName other case", func() { sink = s.ByName("ProtoBuf") }},
		{"Set.ByName absent", func() { sink = s.ByName("yaml") }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if n := testing.AllocsPerRun(100, tt.run); n != 0 {
				t.Fatalf("%v allocations per run, want 0", n)
			}
		})
	}
	_ = sink
}
