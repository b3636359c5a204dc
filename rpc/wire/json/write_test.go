package json

import (
	"testing"
	"time"

	"github.com/dmicro-go/dmicro/rpc/wire"
	"github.com/dmicro-go/dmicro/rpc/wire/wiretest"
)

// TestFrameText checks the text a writer makes: the members in their
// order, zero values left out, and the body embedded only when the
// receiver gets the same bytes back.
func TestFrameText(t *testing.T) {
	tests := []struct {
		name string
		m    *wire.Message
		want string
	}{
		{"minimal", &wire.Message{Type: wire.TypeGoAwayAck}, `{"v":1,"type":6}`},
		{"every member", func() *wire.Message {
			m := wiretest.NewMessage(wire.TypeReply, 9, "/m", `{"a":1}`, "k", "v", "k2", "")
			m.Timeout, m.Code, m.Error, m.Codec, m.Filters = time.Millisecond, -3, "e", codecJSON, []byte{1, 200}
			return m
		}(), `{"v":1,"type":2,"seq":9,"method":"/m","timeout_us":1000,"code":-3,"error":"e",` +
			`"meta":[["k","v"],["k2",""]],"codec":106,"filters":[1,200],"body":{"a":1}}`},
		{"error without code", &wire.Message{Type: wire.TypeReply, Error: "dropped"}, `{"v":1,"type":2}`},
		{"code without error", &wire.Message{Type: wire.TypeReply, Code: 5}, `{"v":1,"type":2,"code":5}`},
		{"binary body", &wire.Message{Type: wire.TypePush, Codec: 'p', Body: []byte{0xfb, 0xff}}, `{"v":1,"type":3,"codec":112,"body64":"+/8="}`},
		{"json codec, not json", &wire.Message{Type: wire.TypePush, Codec: codecJSON, Body: []byte("{")}, `{"v":1,"type":3,"codec":106,"body64":"ew=="}`},
		{"json codec, spaces", &wire.Message{Type: wire.TypePush, Codec: codecJSON, Body: []byte("1 ")}, `{"v":1,"type":3,"codec":106,"body64":"MSA="}`},
		{"json body, other codec", &wire.Message{Type: wire.TypePush, Codec: 's', Body: []byte("1")}, `{"v":1,"type":3,"codec":115,"body64":"MQ=="}`},
		{"escapes", wiretest.NewMessage(wire.TypePush, 0, "a\"\\\x00\x1f\n\xff\u00e9", ""), `{"v":1,"type":3,"method":"a\"\\\u0000\u001f\n\ufffd` + "\u00e9" + `"}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := wiretest.Encode(t, Format{}, 0, tt.m)
			if got := string(b[lenSize:]); got != tt.want {
				t.Fatalf("frame\n%s\nwant\n%s", got, tt.want)
			}
		})
	}
}
