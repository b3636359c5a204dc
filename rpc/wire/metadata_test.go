package wire

import (
	"errors"
	"fmt"
	"testing"
)

func TestMetadata(t *testing.T) {
	var md Metadata
	if md.Len() != 0 || md.Get("a") != "" {
		t.Fatal("zero value is not empty")
	}
	md.Set("a", "1")
	md.Set("b", "2")
	md.Set("a", "3") // replaces
	if md.Len() != 2 || md.Get("a") != "3" || md.Get("b") != "2" {
		t.Fatalf("after Set: %v", md.Map())
	}
	if _, ok := md.Lookup("c"); ok {
		t.Fatal("Lookup found an absent key")
	}
	md.Append("a", "dup") // decoders may repeat a key; Get returns the first
	if md.Get("a") != "3" {
		t.Fatalf("Get with a repeated key = %q", md.Get("a"))
	}
	clone := md.Clone()
	md.Del("a")
	if clone.Get("a") != "3" || md.Get("a") != "dup" {
		t.Fatalf("Clone shares storage or Del removed more than the first: clone %v md %v", clone.Map(), md.Map())
	}
	var order []string
	clone.Range(func(k, v string) bool { order = append(order, k+"="+v); return len(order) < 2 })
	if fmt.Sprint(order) != "[a=3 b=2]" {
		t.Fatalf("Range order %v", order)
	}
	var cp Metadata
	cp.CopyFrom(&clone)
	cp.Reset()
	if cp.Len() != 0 || clone.Len() != 3 {
		t.Fatal("Reset or CopyFrom aliased")
	}
}

func TestTypeString(t *testing.T) {
	for typ, want := range map[Type]string{
		TypeCall: "CALL", TypeReply: "REPLY", TypePush: "PUSH", TypeCancel: "CANCEL",
		TypeGoAway: "GOAWAY", TypeGoAwayAck: "GOAWAY_ACK", 0: "TYPE(0)", 200: "TYPE(200)",
	} {
		if typ.String() != want {
			t.Errorf("%d.String() = %q, want %q", typ, typ.String(), want)
		}
		named := len(want) < 5 || want[:5] != "TYPE("
		if typ.Valid() != named {
			t.Errorf("%d.Valid() = %v; valid types are exactly the named ones", typ, typ.Valid())
		}
	}
}

func TestMessageErrorUnwraps(t *testing.T) {
	me := &MessageError{Type: TypeCall, Seq: 7, Err: fmt.Errorf("x: %w", ErrTooLarge)}
	if !errors.Is(me, ErrTooLarge) || me.Error() != "x: wire: message too large (CALL seq 7)" {
		t.Fatalf("MessageError: %q", me.Error())
	}
	if (Options{}).Limit() != DefaultMaxMessageSize || (Options{MaxMessageSize: 100}).Limit() != 100 {
		t.Fatal("Options.Limit")
	}
}
