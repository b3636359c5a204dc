package gentest

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/dmicro-go/dmicro/codec"
	"github.com/dmicro-go/dmicro/codec/protofast"
	"google.golang.org/protobuf/proto"
)

// TestJSONOneofs: what encoding/json writes of a generated message decodes
// back to an equal message, oneofs included (the json codec and the http
// format carry messages this way), and JSON that sets two members of one
// oneof is refused.
func TestJSONOneofs(t *testing.T) {
	for i, m := range []proto.Message{
		&All{},
		&All{Choice: &All_ChI32{ChI32: 0}},
		&All{Choice: &All_ChI32{ChI32: -7}},
		&All{Choice: &All_ChStr{ChStr: "héllo"}},
		&All{Choice: &All_ChBs{ChBs: []byte{0, 1, 255}}},
		&All{Choice: &All_ChMsg{ChMsg: &Scalars{I32: 3, U64: 1 << 60}}},
		&All{Choice: &All_ChMsg{ChMsg: &Scalars{}}},
		&All{Choice: &All_ChDb{ChDb: 2.5}},
		&All{Choice: &All_ChColor{ChColor: Color_COLOR_BLUE}},
		&All{Split: &All_SpA{SpA: "a"}, AfterSplit: 3},
		&All{Split: &All_SpB{SpB: &Recursive{Value: 2, Child: &Recursive{Value: 1}}}, Choice: &All_ChI32{ChI32: 1}},
		&Legacy{Pick: &Legacy_PickName{PickName: "x"}},
		&Legacy{Pick: &Legacy_PickLegacy{PickLegacy: &Legacy{Pick: &Legacy_PickInt{PickInt: 4}}}},
	} {
		b, err := json.Marshal(m)
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		got := m.ProtoReflect().Type().New().Interface()
		if err := (codec.JSON{}).Unmarshal(b, got); err != nil {
			t.Fatalf("%d: decoding %s: %v", i, b, err)
		}
		if !proto.Equal(got, m) {
			t.Errorf("%d: %s decodes to %v, want %v", i, b, got, m)
		}
	}
	err := (codec.JSON{}).Unmarshal([]byte(`{"Choice":{"ChI32":1,"ChStr":"x"}}`), new(All))
	if !errors.Is(err, protofast.ErrOneofConflict) || !errors.Is(err, codec.ErrDecode) {
		t.Errorf("two members set: %v, want an error wrapping ErrOneofConflict and ErrDecode", err)
	}
}
