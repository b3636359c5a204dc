package benchpb

import (
	"encoding/json"
	"testing"

	"google.golang.org/protobuf/proto"
)

func TestSampleSize(t *testing.T) {
	got := proto.Size(Sample())
	if got != SampleSize {
		t.Fatalf("proto.Size(Sample()) = %d, want SampleSize = %d", got, SampleSize)
	}
	if got < 575 || got > 590 {
		t.Fatalf("proto.Size(Sample()) = %d, want within 575..590", got)
	}
	b, err := proto.Marshal(Sample())
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	if len(b) != SampleSize {
		t.Fatalf("len(proto.Marshal(Sample())) = %d, want %d", len(b), SampleSize)
	}
}

func TestSampleRoundTrip(t *testing.T) {
	want := Sample()
	b, err := proto.Marshal(want)
	if err != nil {
		t.Fatalf("proto.Marshal: %v", err)
	}
	got := new(BenchmarkMessage)
	if err := proto.Unmarshal(b, got); err != nil {
		t.Fatalf("proto.Unmarshal: %v", err)
	}
	if !proto.Equal(got, want) {
		t.Fatalf("round trip mismatch:\n got %v\nwant %v", got, want)
	}
}

func TestSampleDeterministic(t *testing.T) {
	a, b := Sample(), Sample()
	if a == b {
		t.Fatal("Sample returned the same pointer twice; want a new message per call")
	}
	if !proto.Equal(a, b) {
		t.Fatal("Sample is not deterministic")
	}
}

func TestSampleJSON(t *testing.T) {
	b, err := json.Marshal(Sample())
	if err != nil {
		t.Fatalf("json.Marshal: %v", err)
	}
	if len(b) == 0 || string(b) == "{}" || string(b) == "null" {
		t.Fatalf("json.Marshal(Sample()) = %q, want a non-empty object", b)
	}
	got := new(BenchmarkMessage)
	if err := json.Unmarshal(b, got); err != nil {
		t.Fatalf("json.Unmarshal: %v", err)
	}
	if !proto.Equal(got, Sample()) {
		t.Fatalf("JSON round trip mismatch:\n got %v\nwant %v", got, Sample())
	}
}
