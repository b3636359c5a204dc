package gentest

import (
	"bytes"
	"math"
	"testing"

	"google.golang.org/protobuf/types/known/timestamppb"
)

// TestMarshalEdgeValues compares with proto the encoding of values random
// messages do not reach: nil elements and members, and a signalling NaN
// in a map of floats, which proto's maps quiet.
func TestMarshalEdgeValues(t *testing.T) {
	snan := math.Float32frombits(0x7f8c0000)
	for name, m := range map[string]*All{
		"nil repeated element":   {RMsg: []*Scalars{nil, {I32: 1}}},
		"nil map value":          {MI64Msg: map[int64]*Scalars{1: nil}},
		"nil oneof member value": {Choice: &All_ChMsg{}},
		"nil oneof wrapper":      {Choice: (*All_ChI32)(nil)},
		"nil foreign element":    {RStamp: []*timestamppb.Timestamp{nil, {Seconds: 1}}},
		"signalling NaN in map":  {MS64Fl: map[int64]float32{1: snan}},
		"signalling NaN":         {Scalars: &Scalars{Fl: snan}, RFl: []float32{snan}},
	} {
		t.Run(name, func(t *testing.T) {
			want, werr := deterministic.Marshal(m)
			got, err := m.DmicroMarshalAppend(nil)
			if (err != nil) != (werr != nil) || !bytes.Equal(got, want) {
				t.Fatalf("DmicroMarshalAppend = %x, %v; proto %x, %v", got, err, want, werr)
			}
		})
	}
}
