package filter

import (
	"bytes"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/dmicro-go/dmicro/rpc/wire"
)

func TestIDsAndNames(t *testing.T) {
	tests := []struct {
		f    wire.Filter
		id   byte
		name string
	}{
		{Gzip{}, 'z', "gzip"},
		{MD5{}, '5', "md5"},
		{newTestAESGCM(t), 'a', "aes-gcm"},
	}
	seen := map[byte]bool{}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.f.ID(); got != tt.id {
				t.Errorf("ID() = %q, want %q", got, tt.id)
			}
			if got := tt.f.Name(); got != tt.name {
				t.Errorf("Name() = %q, want %q", got, tt.name)
			}
			if seen[tt.f.ID()] {
				t.Errorf("ID %q used twice", tt.f.ID())
			}
			seen[tt.f.ID()] = true
		})
	}
}

func TestRoundTrip(t *testing.T) {
	filters := []struct {
		name string
		f    wire.Filter
	}{
		{"gzip", Gzip{MinSize: -1}},
		{"gzip default", Gzip{}},
		{"gzip best speed", Gzip{Level: 1, MinSize: -1}},
		{"gzip huffman only", Gzip{Level: -2, MinSize: -1}},
		{"md5", MD5{}},
		{"aes-gcm", newTestAESGCM(t)},
	}
	bodies := []struct {
		name string
		body []byte
	}{
		{"empty", nil},
		{"small", []byte(`{"a":1}`)},
		{"581 bytes", textBody(581)},
		{"1 MiB", textBody(1 << 20)},
		{"1 MiB random", randomBody(1 << 20)},
	}
	for _, ft := range filters {
		for _, bt := range bodies {
			t.Run(ft.name+"/"+bt.name, func(t *testing.T) {
				got, _ := roundTrip(t, ft.f, bt.body, 0)
				if !bytes.Equal(got, bt.body) {
					t.Fatalf("restored %d bytes differ from the %d-byte body", len(got), len(bt.body))
				}
			})
		}
	}
}

// TestRoundTripApplied pins which encodings apply, so that a round trip
// above cannot pass by skipping the filter.
func TestRoundTripApplied(t *testing.T) {
	tests := []struct {
		name string
		f    wire.Filter
		body []byte
		want bool
	}{
		{"gzip 581 bytes, threshold off", Gzip{MinSize: -1}, textBody(581), true},
		{"gzip 581 bytes, default threshold", Gzip{}, textBody(581), false},
		{"gzip 1 MiB", Gzip{}, textBody(1 << 20), true},
		{"gzip random", Gzip{MinSize: -1}, randomBody(4096), false},
		{"gzip empty, threshold off", Gzip{MinSize: -1}, nil, false},
		{"md5 empty", MD5{}, nil, true},
		{"aes-gcm empty", newTestAESGCM(t), nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, applied := roundTrip(t, tt.f, tt.body, 0); applied != tt.want {
				t.Fatalf("applied = %v, want %v", applied, tt.want)
			}
		})
	}
}

// encodeAll applies filters in order as a sender would, returning the
// final bytes and the ids of the filters applied.
func encodeAll(t *testing.T, body []byte, filters ...wire.Filter) ([]byte, []byte) {
	t.Helper()
	var ids []byte
	for _, f := range filters {
		out, applied, err := f.Encode(nil, body)
		if err != nil {
			t.Fatalf("%s Encode: %v", f.Name(), err)
		}
		if applied {
			body = out
			ids = append(ids, f.ID())
		}
	}
	return body, ids
}

// decodeAll undoes the filters named by ids in reverse, as a receiver
// would.
func decodeAll(data, ids []byte, limit int, filters ...wire.Filter) ([]byte, error) {
	byID := map[byte]wire.Filter{}
	for _, f := range filters {
		byID[f.ID()] = f
	}
	for i := len(ids) - 1; i >= 0; i-- {
		f, ok := byID[ids[i]]
		if !ok {
			return nil, fmt.Errorf("unknown filter %q", ids[i])
		}
		out, err := f.Decode(nil, data, limit)
		if err != nil {
			return nil, err
		}
		data = out
	}
	return data, nil
}

func TestStack(t *testing.T) {
	a := newTestAESGCM(t)
	tests := []struct {
		name    string
		body    []byte
		wantIDs string
	}{
		{"empty", nil, "5a"},
		{"small", []byte("hello"), "5a"},
		{"581 bytes", textBody(581), "5a"},
		{"1 MiB", textBody(1 << 20), "z5a"},
		{"1 MiB random", randomBody(1 << 20), "5a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			filters := []wire.Filter{Gzip{}, MD5{}, a}
			data, ids := encodeAll(t, tt.body, filters...)
			if string(ids) != tt.wantIDs {
				t.Fatalf("applied %q, want %q", ids, tt.wantIDs)
			}
			got, err := decodeAll(data, ids, 0, filters...)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.body) {
				t.Fatalf("restored %d bytes differ from the %d-byte body", len(got), len(tt.body))
			}
			// A receiver that undoes them in the wrong order fails its
			// check rather than return garbage.
			if len(ids) > 1 {
				swapped := []byte{ids[len(ids)-1], ids[len(ids)-2]}
				if _, err := decodeAll(data, swapped, 0, filters...); !errors.Is(err, wire.ErrIntegrity) {
					t.Fatalf("undone in the wrong order: %v, want ErrIntegrity", err)
				}
			}
		})
	}
}

// TestConcurrentUse runs every filter from several goroutines at once; run
// it under -race.
func TestConcurrentUse(t *testing.T) {
	filters := []wire.Filter{Gzip{MinSize: -1}, Gzip{Level: 9, MinSize: -1}, MD5{}, newTestAESGCM(t)}
	bodies := [][]byte{textBody(581), textBody(64 << 10), []byte("tiny")}
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for g := range 8 {
		wg.Go(func() {
			for i := range 50 {
				f, body := filters[(g+i)%len(filters)], bodies[i%len(bodies)]
				enc, applied, err := f.Encode(nil, body)
				if err != nil {
					errs <- err
					return
				}
				if !applied {
					continue
				}
				dec, err := f.Decode(nil, enc, 0)
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(dec, body) {
					errs <- fmt.Errorf("%s: restored body differs", f.Name())
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
}

// TestDecodeErrorKeepsDst checks that a failed Decode returns dst as given.
func TestDecodeErrorKeepsDst(t *testing.T) {
	tests := []struct {
		name string
		f    wire.Filter
		data []byte
	}{
		{"gzip", Gzip{}, []byte("not gzip at all")},
		{"md5", MD5{}, []byte("short")},
		{"aes-gcm", newTestAESGCM(t), make([]byte, 40)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dst := append(make([]byte, 0, 64), "keep"...)
			out, err := tt.f.Decode(dst, tt.data, 0)
			if err == nil {
				t.Fatal("Decode succeeded")
			}
			if string(out) != "keep" || cap(out) != cap(dst) {
				t.Fatalf("Decode returned %q (cap %d), want dst %q (cap %d)", out, cap(out), dst, cap(dst))
			}
		})
	}
}
