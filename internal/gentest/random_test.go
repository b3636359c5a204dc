package gentest

import (
	"math"
	"math/rand/v2"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// filler sets fields of messages to random values, reaching every field
// kind, edge values included.
type filler struct {
	r       *rand.Rand
	badUTF8 bool // sometimes write strings that are not valid UTF-8
}

// fill sets a random subset of m's fields (most of them) with depth levels
// of nested messages left.
func (f *filler) fill(m protoreflect.Message, depth int) {
	fields := m.Descriptor().Fields()
	for i := range fields.Len() {
		fd := fields.Get(i)
		if f.r.IntN(4) == 0 {
			continue
		}
		if fd.Kind() == protoreflect.MessageKind && depth <= 0 {
			continue
		}
		switch {
		case fd.IsMap():
			mp := m.Mutable(fd).Map()
			for range f.r.IntN(4) {
				k := f.scalar(fd.MapKey()).MapKey()
				if fd.MapValue().Kind() == protoreflect.MessageKind {
					v := mp.NewValue()
					f.fill(v.Message(), depth-1)
					mp.Set(k, v)
				} else {
					mp.Set(k, f.scalar(fd.MapValue()))
				}
			}
		case fd.IsList():
			l := m.Mutable(fd).List()
			for range f.r.IntN(4) {
				if fd.Kind() == protoreflect.MessageKind {
					v := l.NewElement()
					f.fill(v.Message(), depth-1)
					l.Append(v)
				} else {
					l.Append(f.scalar(fd))
				}
			}
		case fd.Kind() == protoreflect.MessageKind:
			v := m.NewField(fd)
			f.fill(v.Message(), depth-1)
			m.Set(fd, v)
		default:
			m.Set(fd, f.scalar(fd))
		}
	}
}

// edge values for integers, picked half of the time.
var edges = []uint64{0, 1, 127, 128, 1<<32 - 1, 1 << 32, math.MaxInt64, 1 << 63, math.MaxUint64}

// scalar returns a random value of fd's kind.
func (f *filler) scalar(fd protoreflect.FieldDescriptor) protoreflect.Value {
	u := f.r.Uint64() >> f.r.IntN(64)
	if f.r.IntN(2) == 0 {
		u = edges[f.r.IntN(len(edges))]
	}
	switch fd.Kind() {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(u&1 == 1)
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(protoreflect.EnumNumber(int32(u)))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return protoreflect.ValueOfInt32(int32(u))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return protoreflect.ValueOfInt64(int64(u))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return protoreflect.ValueOfUint32(uint32(u))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return protoreflect.ValueOfUint64(u)
	case protoreflect.FloatKind:
		fs := []float32{0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.NaN()), math.Float32frombits(uint32(u))}
		return protoreflect.ValueOfFloat32(fs[f.r.IntN(len(fs))])
	case protoreflect.DoubleKind:
		fs := []float64{0, math.Copysign(0, -1), math.Inf(-1), math.NaN(), math.Float64frombits(u)}
		return protoreflect.ValueOfFloat64(fs[f.r.IntN(len(fs))])
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(string(f.bytes()))
	}
	return protoreflect.ValueOfBytes(f.bytes())
}

// bytes returns a short random string, valid UTF-8 unless badUTF8 and
// chance say otherwise.
func (f *filler) bytes() []byte {
	words := []string{"", "a", "héllo", "世界", "\x00", "naïve text of some length to pass 127 bytes .........................................................................................."}
	b := []byte(words[f.r.IntN(len(words))])
	if f.badUTF8 && f.r.IntN(8) == 0 {
		b = append(b, 0xff)
	}
	return b
}

// randomAll returns a random All.
func randomAll(r *rand.Rand, badUTF8 bool) *All {
	m := new(All)
	f := &filler{r: r, badUTF8: badUTF8}
	f.fill(m.ProtoReflect(), 3)
	return m
}

// deterministic is proto's deterministic marshalling, which the generated
// code must match byte for byte.
var deterministic = proto.MarshalOptions{Deterministic: true}

// randomLegacy returns a random Legacy, its required fields sometimes
// missing.
func randomLegacy(r *rand.Rand) *Legacy {
	m := new(Legacy)
	f := &filler{r: r}
	f.fill(m.ProtoReflect(), 3)
	return m
}
