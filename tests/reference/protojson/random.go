package main

import (
	"math"
	"math/rand"
	"strings"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// maxDepth bounds message nesting so that recursive types stay small.
const maxDepth = 4

// random fills dynamic messages with values that exercise every field kind and its edges.
type random struct {
	r   *rand.Rand
	idl *IDL
	// anyTypes are the message types an Any may hold.
	anyTypes []protoreflect.MessageDescriptor
}

func (g *random) pick(n int) int { return g.r.Intn(n) }

func (g *random) chance(percent int) bool { return g.r.Intn(100) < percent }

func (g *random) message(m protoreflect.Message, depth int) {
	md := m.Descriptor()
	if g.wellKnown(m, depth) {
		return
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		required := fd.Cardinality() == protoreflect.Required
		if !required && (g.chance(35) || (fd.Message() != nil && depth >= maxDepth)) {
			continue
		}
		g.setField(m, fd, depth)
	}
	oneofs := md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() || g.chance(30) {
			continue
		}
		fd := od.Fields().Get(g.pick(od.Fields().Len()))
		if fd.Message() != nil && depth >= maxDepth && !needsContent(fd) {
			continue
		}
		if g.chance(30) && !needsContent(fd) {
			// A oneof member holding its default value is still set, and written.
			m.Set(fd, g.zero(m, fd))
		} else {
			g.setField(m, fd, depth)
		}
	}
}

// needsContent: a google.protobuf.Value, which has no JSON when empty.
func needsContent(fd protoreflect.FieldDescriptor) bool {
	return fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Value"
}

func (g *random) zero(m protoreflect.Message, fd protoreflect.FieldDescriptor) protoreflect.Value {
	if fd.Message() != nil {
		return m.NewField(fd)
	}
	return fd.Default()
}

func (g *random) setField(m protoreflect.Message, fd protoreflect.FieldDescriptor, depth int) {
	switch {
	case fd.IsList():
		list := m.Mutable(fd).List()
		for n := g.pick(4); n > 0; n-- {
			list.Append(g.value(fd, list.NewElement, depth))
		}
	case fd.IsMap():
		mp := m.Mutable(fd).Map()
		for n := g.pick(4); n > 0; n-- {
			mp.Set(g.mapKey(fd.MapKey()), g.value(fd.MapValue(), mp.NewValue, depth))
		}
	default:
		m.Set(fd, g.value(fd, func() protoreflect.Value { return m.NewField(fd) }, depth))
	}
}

// value is a random value of fd's kind; newMessage makes an empty message of its type.
func (g *random) value(fd protoreflect.FieldDescriptor, newMessage func() protoreflect.Value, depth int) protoreflect.Value {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		// Past maxDepth, message() sets no message fields, so this ends.
		v := newMessage()
		g.message(v.Message(), depth+1)
		return v
	case protoreflect.EnumKind:
		return protoreflect.ValueOfEnum(g.enum(fd.Enum()))
	default:
		return g.scalar(fd.Kind())
	}
}

func (g *random) enum(ed protoreflect.EnumDescriptor) protoreflect.EnumNumber {
	if ed.FullName() == "google.protobuf.NullValue" {
		return 0
	}
	if !ed.IsClosed() && g.chance(10) {
		// An open enum keeps numbers the IDL does not know; protojson writes them as numbers.
		return protoreflect.EnumNumber(1000 + g.pick(1000))
	}
	return ed.Values().Get(g.pick(ed.Values().Len())).Number()
}

var (
	int32s  = []int32{0, 1, -1, math.MinInt32, math.MaxInt32, 127, -128}
	uint32s = []uint32{0, 1, math.MaxUint32, 1 << 31}
	int64s  = []int64{0, 1, -1, math.MinInt64, math.MaxInt64, 1 << 53, 1<<53 + 1, 1<<53 - 1, -(1<<53 + 1), -(1 << 53), 1 << 62, 1152921504606846977}
	uint64s = []uint64{0, 1, math.MaxUint64, 1<<53 + 1, 1 << 63, 1<<64 - 2}
	floats  = []float32{0, float32(math.Copysign(0, -1)), float32(math.NaN()), float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, -math.MaxFloat32, math.SmallestNonzeroFloat32, 0.1, 16777217, 1e-10, 3.4028235e38}
	doubles = []float64{0, math.Copysign(0, -1), math.NaN(), math.Inf(1), math.Inf(-1), math.MaxFloat64, -math.MaxFloat64, math.SmallestNonzeroFloat64, 0.1, 1e21, 1e-7, 9007199254740993, 5.177104698529783e+36, -2.5533609079989956e+35, 39227536942535650000, 1152921504606846976, 1e23}
	strs    = []string{"", "a", "héllo wörld", "😀 emoji", "\u2028\u2029", "\x00\x01\x1f", "\"quoted\\ /slash", "<&>", "__proto__", "toString", "constructor", "\u00e9\u0301", "日本語", "\uffff", "\U0010ffff"}
	keys    = []string{"__proto__", "toString", "constructor", "hasOwnProperty", "valueOf", "", "0", "1", "10", "007", "-1", "4294967295", "a b", "é", "😀", "k"}
)

func (g *random) scalar(k protoreflect.Kind) protoreflect.Value {
	r := g.r
	switch k {
	case protoreflect.BoolKind:
		return protoreflect.ValueOfBool(g.chance(50))
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		if g.chance(50) {
			return protoreflect.ValueOfInt32(int32s[g.pick(len(int32s))])
		}
		return protoreflect.ValueOfInt32(int32(r.Uint32()))
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if g.chance(50) {
			return protoreflect.ValueOfUint32(uint32s[g.pick(len(uint32s))])
		}
		return protoreflect.ValueOfUint32(r.Uint32() >> uint(g.pick(32)))
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		if g.chance(50) {
			return protoreflect.ValueOfInt64(int64s[g.pick(len(int64s))])
		}
		return protoreflect.ValueOfInt64(int64(r.Uint64()) >> uint(g.pick(64)))
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if g.chance(50) {
			return protoreflect.ValueOfUint64(uint64s[g.pick(len(uint64s))])
		}
		return protoreflect.ValueOfUint64(r.Uint64() >> uint(g.pick(64)))
	case protoreflect.FloatKind:
		if g.chance(50) {
			return protoreflect.ValueOfFloat32(floats[g.pick(len(floats))])
		}
		// Random bits: most need all 9 significant digits to read back.
		return protoreflect.ValueOfFloat32(math.Float32frombits(r.Uint32()))
	case protoreflect.DoubleKind:
		if g.chance(50) {
			return protoreflect.ValueOfFloat64(doubles[g.pick(len(doubles))])
		}
		return protoreflect.ValueOfFloat64(math.Float64frombits(r.Uint64()))
	case protoreflect.StringKind:
		return protoreflect.ValueOfString(g.str())
	case protoreflect.BytesKind:
		b := make([]byte, g.pick(20))
		r.Read(b)
		return protoreflect.ValueOfBytes(b)
	}
	panic("unknown kind " + k.String())
}

func (g *random) str() string {
	if g.chance(50) {
		return strs[g.pick(len(strs))]
	}
	var b strings.Builder
	for n := g.pick(12); n > 0; n-- {
		var c rune
		switch g.pick(4) {
		case 0:
			c = rune(0x20 + g.pick(0x5f))
		case 1:
			c = rune(g.pick(0x20))
		case 2:
			c = rune(0x80 + g.pick(0xd800-0x80))
		default:
			c = rune(0x10000 + g.pick(0x10ffff-0x10000))
		}
		b.WriteRune(c)
	}
	return b.String()
}

func (g *random) mapKey(fd protoreflect.FieldDescriptor) protoreflect.MapKey {
	switch fd.Kind() {
	case protoreflect.StringKind:
		if g.chance(60) {
			return protoreflect.ValueOfString(keys[g.pick(len(keys))]).MapKey()
		}
		return protoreflect.ValueOfString(g.str()).MapKey()
	default:
		return g.scalar(fd.Kind()).MapKey()
	}
}

func (g *random) finiteDouble() float64 {
	for {
		var f float64
		switch g.pick(3) {
		case 0:
			f = doubles[g.pick(len(doubles))]
		case 1:
			f = float64(g.pick(2000) - 1000)
		default:
			f = math.Float64frombits(g.r.Uint64())
		}
		if !math.IsNaN(f) && !math.IsInf(f, 0) {
			return f
		}
	}
}

// Ranges protojson allows: years 1 to 9999, and +-10000 years of Duration.
const (
	minTimestamp = -62135596800
	maxTimestamp = 253402300799
	maxDuration  = 315576000000
)

func (g *random) nanos() int64 {
	switch g.pick(4) {
	case 0:
		return 0
	case 1:
		return int64(g.pick(1000)) * 1e6
	case 2:
		return int64(g.pick(1e6)) * 1e3
	default:
		return int64(g.pick(1e9))
	}
}

// wellKnown fills the well-known types whose values have rules of their own; false for others.
func (g *random) wellKnown(m protoreflect.Message, depth int) bool {
	md := m.Descriptor()
	f := md.Fields()
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		var s int64
		switch g.pick(4) {
		case 0:
			s = minTimestamp
		case 1:
			s = maxTimestamp
		default:
			s = minTimestamp + g.r.Int63n(maxTimestamp-minTimestamp+1)
		}
		m.Set(f.ByNumber(1), protoreflect.ValueOfInt64(s))
		m.Set(f.ByNumber(2), protoreflect.ValueOfInt32(int32(g.nanos())))
	case "google.protobuf.Duration":
		s := g.r.Int63n(maxDuration + 1)
		if g.chance(50) {
			s = int64(g.pick(5))
		}
		n := g.nanos()
		if g.chance(50) {
			s, n = -s, -n
		}
		m.Set(f.ByNumber(1), protoreflect.ValueOfInt64(s))
		m.Set(f.ByNumber(2), protoreflect.ValueOfInt32(int32(n)))
	case "google.protobuf.FieldMask":
		paths := []string{"a", "foo_bar", "foo_bar.baz_qux", "x1", "user.display_name", "a1_b2"}
		list := m.Mutable(f.ByNumber(1)).List()
		for n := g.pick(3); n > 0; n-- {
			list.Append(protoreflect.ValueOfString(paths[g.pick(len(paths))]))
		}
	case "google.protobuf.Struct":
		mp := m.Mutable(f.ByNumber(1)).Map()
		for n := g.pick(4); n > 0; n-- {
			mp.Set(g.mapKey(f.ByNumber(1).MapKey()), g.structValue(mp.NewValue(), depth))
		}
	case "google.protobuf.ListValue":
		list := m.Mutable(f.ByNumber(1)).List()
		for n := g.pick(4); n > 0; n-- {
			list.Append(g.structValue(list.NewElement(), depth))
		}
	case "google.protobuf.Value":
		g.fillValue(m, depth)
	case "google.protobuf.Any":
		inner := g.anyTypes[g.pick(len(g.anyTypes))]
		im, err := g.idl.newMessage(string(inner.FullName()))
		if err != nil {
			panic(err)
		}
		g.message(im, depth+1)
		b, err := proto.MarshalOptions{Deterministic: true}.Marshal(im.Interface())
		if err != nil {
			panic(err)
		}
		m.Set(f.ByNumber(1), protoreflect.ValueOfString("type.googleapis.com/"+string(inner.FullName())))
		m.Set(f.ByNumber(2), protoreflect.ValueOfBytes(b))
	default:
		if strings.HasPrefix(string(md.FullName()), "google.protobuf.") && strings.HasSuffix(string(md.FullName()), "Value") && f.Len() == 1 {
			// Wrappers: often holding the default value, which is still written.
			if !g.chance(40) {
				m.Set(f.ByNumber(1), g.scalar(f.ByNumber(1).Kind()))
			}
			return true
		}
		return false
	}
	return true
}

func (g *random) structValue(v protoreflect.Value, depth int) protoreflect.Value {
	g.fillValue(v.Message(), depth+1)
	return v
}

// fillValue sets one member of a google.protobuf.Value (always one: an empty Value has no JSON).
func (g *random) fillValue(m protoreflect.Message, depth int) {
	f := m.Descriptor().Fields()
	k := g.pick(6)
	if depth >= maxDepth && k >= 4 {
		k = g.pick(4)
	}
	switch k {
	case 0:
		m.Set(f.ByNumber(1), protoreflect.ValueOfEnum(0))
	case 1:
		m.Set(f.ByNumber(2), protoreflect.ValueOfFloat64(g.finiteDouble()))
	case 2:
		m.Set(f.ByNumber(3), protoreflect.ValueOfString(g.str()))
	case 3:
		m.Set(f.ByNumber(4), protoreflect.ValueOfBool(g.chance(50)))
	case 4:
		v := m.NewField(f.ByNumber(5))
		g.wellKnown(v.Message(), depth+1)
		m.Set(f.ByNumber(5), v)
	default:
		v := m.NewField(f.ByNumber(6))
		g.wellKnown(v.Message(), depth+1)
		m.Set(f.ByNumber(6), v)
	}
}
