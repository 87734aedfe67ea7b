package main

import (
	"encoding/json"
	"fmt"
	"strings"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// site is a place in a JSON tree that a mutation may change: a message object, or one of its fields.
type site struct {
	obj map[string]any
	md  protoreflect.MessageDescriptor
	fd  protoreflect.FieldDescriptor // nil for the message itself
	key string
}

// invalid: the message mutated into something protojson refuses, at a random place.
func (v *variants) invalid(md protoreflect.MessageDescriptor, text []byte) (string, string) {
	tree := decodeTree(text)
	var sites []site
	v.sites(md, tree, &sites)
	if len(sites) == 0 {
		return "", ""
	}
	s := sites[v.g.pick(len(sites))]
	v.raw = map[string]string{}
	note := v.mutate(s)
	if note == "" {
		return "", ""
	}
	out := encodeTree(tree)
	for marker, raw := range v.raw {
		out = strings.Replace(out, `"`+marker+`"`, raw, 1)
	}
	return out, note
}

// rawText stands for JSON text that a Go value cannot produce (a lone surrogate escape, a key
// written twice): a marker string, replaced in the encoded text.
func (v *variants) rawText(raw string) string {
	marker := fmt.Sprintf("@@raw%d@@", len(v.raw))
	v.raw[marker] = raw
	return marker
}

func (v *variants) sites(md protoreflect.MessageDescriptor, x any, out *[]site) {
	obj, ok := x.(map[string]any)
	if !ok {
		return
	}
	switch md.FullName() {
	case "google.protobuf.Struct", "google.protobuf.Any":
		return
	}
	*out = append(*out, site{obj: obj, md: md})
	for k, val := range obj {
		fd := md.Fields().ByJSONName(k)
		if fd == nil {
			continue
		}
		*out = append(*out, site{obj: obj, md: md, fd: fd, key: k})
		if fd.Message() == nil || fd.IsMap() {
			continue
		}
		if fd.IsList() {
			if arr, ok := val.([]any); ok {
				for _, el := range arr {
					v.sites(fd.Message(), el, out)
				}
			}
			continue
		}
		v.sites(fd.Message(), val, out)
	}
}

func num(s string) json.Number { return json.Number(s) }

func (v *variants) mutate(s site) string {
	if s.fd == nil {
		return v.mutateMessage(s)
	}
	fd := s.fd
	pick := func(choices ...any) any { return choices[v.g.pick(len(choices))] }
	set := func(val any, note string) string {
		s.obj[s.key] = val
		return note
	}
	if fd.IsList() && v.g.chance(25) {
		if v.g.chance(50) {
			return set([]any{nil}, "null inside a repeated field")
		}
		return set(num("5"), "a number for a repeated field")
	}
	if fd.IsMap() {
		switch fd.MapKey().Kind() {
		case protoreflect.StringKind:
			return set([]any{}, "an array for a map")
		case protoreflect.BoolKind:
			return set(map[string]any{pick("yes", "True", "1", "false").(string): v.sample(fd.MapValue())}, "odd bool map key")
		default:
			return set(map[string]any{pick("x1", "1e2", "1.0", "-0", "01", " 1", "+1", "0x1", "4294967296", "-1", "18446744073709551615", "9223372036854775808").(string): v.sample(fd.MapValue())}, "odd integer map key")
		}
	}
	switch fd.Kind() {
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind:
		return set(pick(num("2147483648"), num("-2147483649"), num("1.5"), "abc", " 1", "1 ", "0x10", true, "1.0", num("1.0"), num("1e0"), "-0", num("-0"), "01", "+1", num("2147483647.0"), "2.147483647e9", "1e-1", num("100e-2"), ""), "odd int32")
	case protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		return set(pick(num("-1"), num("4294967296"), "1.5", "4294967295", num("4.294967295e9"), "-0", num("-0.0")), "odd uint32")
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind:
		return set(pick("9223372036854775808", num("-9223372036854775809"), num("1.5"), "1e19", "", "9223372036854775807.0", "1e2", "-0", "+5", "0.5e1", num("9.223372036854775807e18"), num("-9223372036854775808"), "-9223372036854775808.00", num("1E2"), "0x1", " 5", "9223372036854775807e0"), "odd int64")
	case protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		return set(pick("-1", num("18446744073709551616"), "0.5", "18446744073709551615", num("1.8446744073709551615e19"), "-0", num("18446744073709551615.000")), "odd uint64")
	case protoreflect.FloatKind:
		return set(pick(num("1e39"), "nan", "-inf", true, "1e5", ".5", "5.", "-0", "+1", "1E5", "Infinity", "-Infinity", "NaN", num("-0.0"), "0x10", " 1", "3.4028235e38", "3.4028236e38", num("3.40282357e38"), num("1e-46"), "1e39"), "odd float")
	case protoreflect.DoubleKind:
		return set(pick("1e400", "infinity", "1.5.5", map[string]any{}, num("1e400"), num("-1e400"), num("1e-400"), "1e-400", "-0", ".5", "5.", "Infinity ", "1_000", num("1.7976931348623157e308"), num("1.7976931348623159e308")), "odd double")
	case protoreflect.BoolKind:
		return set(pick("true", num("1"), nil), "bad bool")
	case protoreflect.StringKind:
		return set(pick(num("5"), true, []any{}, v.rawText(`"a\ud800b"`), v.rawText(`"\udc00"`), v.rawText(`"\ud83d\ude00"`), v.rawText(`"\u00e9\/"`)), "odd string")
	case protoreflect.BytesKind:
		return set(pick("!!!!", "a", "QQ=A", num("1"), "YQ", "YQ=", "YQ==", "Y Q==", "YQ==\n", "-_-_", "+/+/", "YQ===", "YWI=", "YWI", "YW=I"), "odd base64")
	case protoreflect.EnumKind:
		if fd.Enum().FullName() == "google.protobuf.NullValue" {
			return set("NOT_NULL", "bad NullValue")
		}
		if fd.Enum().IsClosed() {
			// Unknown numbers of a closed enum: protojson reads them, the mesh refuses them on
			// purpose (tested on its own in the e2e test).
			return set(pick("NO_SUCH_VALUE", num("1.5"), true, "1", num("2147483648"), "", nil), "odd enum")
		}
		return set(pick("NO_SUCH_VALUE", num("1.5"), true, "1", num("1.0"), num("-1"), num("2147483648"), num("99"), "", nil), "odd enum")
	}
	switch fd.Message().FullName() {
	case "google.protobuf.Timestamp":
		return set(pick("2024-13-01T00:00:00Z", "10000-01-01T00:00:00Z", "2024-01-01T00:00:00", "0000-12-31T23:59:59Z", "2024-01-01T00:00:00.1234567891Z", "2024-01-01 00:00:00Z", num("0"),
			"2024-01-01t00:00:00z", "2024-01-01T00:00:00+00:00", "2024-01-01T00:00:00.000Z", "2024-01-01T00:00:60Z", "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "2024-01-01T24:00:00Z",
			"2024-01-01T00:00:00-00:00", "0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00+01", "2024-1-01T00:00:00Z", "2024-01-01T00:00:00.5+14:00", "2024-01-01T00:00:00+24:00"), "odd timestamp")
	case "google.protobuf.Duration":
		return set(pick("1.5", "315576000001s", "1.0000000001s", "s", "-s", "1 s", "1s", "-0s", "0.5s", ".5s", "1.s", "+1s", "1.0000000000s", "-0.5s", "315576000000.999999999s", "-315576000000.999999999s", "1e1s", "01s", "1S", "-.5s", "1.5ms"), "odd duration")
	case "google.protobuf.FieldMask":
		return set(pick("foo_bar", "a..b", "1a", num("1"), "fooBar", "foo.barBaz", "", "foo,bar", "Foo", "foo,", ",foo", "foo.1", "fOO", "a b"), "odd field mask")
	case "google.protobuf.Struct":
		return set(pick([]any{num("1")}, "x", map[string]any{"a": num("1e400")}, map[string]any{"a": v.rawText(`"\ud800"`)}, map[string]any{v.rawText(`"\udfff"`): num("1")}, map[string]any{"n": num("-0"), "e": num("1E2"), "z": num("0.0000001")}), "odd struct")
	case "google.protobuf.ListValue":
		return set(map[string]any{}, "bad list value")
	case "google.protobuf.Value":
		return set(pick(num("1e400"), num("-0"), num("9007199254740993.5"), "NaN", num("4.9e-324"), num("2e-324")), "odd value")
	case "google.protobuf.Any":
		return set(pick(map[string]any{"@type": "type.googleapis.com/no.such.Type"}, map[string]any{"value": num("1")}, map[string]any{"@type": num("1")},
			map[string]any{"@type": "type.googleapis.com/google.protobuf.Empty", "value": map[string]any{}}, map[string]any{"@type": "type.googleapis.com/google.protobuf.Empty"},
			map[string]any{"@type": "example.com/x/codec.v1.Item", "itemId": "a"}, map[string]any{"@type": "codec.v1.Item"}, map[string]any{"@type": "/codec.v1.Item"},
			map[string]any{"@type": "type.googleapis.com/codec.v1.Item", "value": map[string]any{}}, map[string]any{"@type": "type.googleapis.com/google.protobuf.Int64Value", "value": "1e3"},
			map[string]any{"@type": "type.googleapis.com/google.protobuf.Duration", "value": "1s", "x": num("1")}, map[string]any{}), "odd any")
	case "google.protobuf.Empty":
		return set(map[string]any{"x": num("1")}, "a field in Empty")
	}
	if isWrapper(fd.Message()) {
		return set(pick([]any{}, map[string]any{"value": num("1")}, "1e3", num("1e3"), "true", "-0", nil), "odd wrapper")
	}
	return set(pick("x", num("1"), []any{}), "a non-object for a message")
}

func (v *variants) mutateMessage(s site) string {
	fields := s.md.Fields()
	for i := 0; i < fields.Len(); i++ {
		if fd := fields.Get(i); fd.Cardinality() == protoreflect.Required && v.g.chance(50) {
			delete(s.obj, fd.JSONName())
			return "a required field missing"
		}
	}
	switch v.g.pick(4) {
	case 0:
		s.obj["noSuchField"] = num("1")
		return "unknown field"
	case 1:
		// The same field under its JSON name and its original name, or one name twice.
		for k, val := range s.obj {
			if fd := s.md.Fields().ByJSONName(k); fd != nil {
				if string(fd.Name()) != k && v.g.chance(50) {
					s.obj[string(fd.Name())] = val
					return "a field twice (JSON and original name)"
				}
				s.obj[v.rawText(`"`+k+`"`)] = val
				return "a key twice"
			}
		}
	case 2:
		// Case matters in names.
		for k, val := range s.obj {
			if upper := strings.ToUpper(k); upper != k {
				delete(s.obj, k)
				s.obj[upper] = val
				return "a field name in upper case"
			}
		}
	}
	oneofs := s.md.Oneofs()
	for i := 0; i < oneofs.Len(); i++ {
		od := oneofs.Get(i)
		if od.IsSynthetic() || od.Fields().Len() < 2 {
			continue
		}
		for j := 0; j < 2; j++ {
			fd := od.Fields().Get(j)
			s.obj[fd.JSONName()] = v.sample(fd)
		}
		return "two members of one oneof"
	}
	s.obj["noSuchField"] = map[string]any{}
	return "unknown field"
}

// sample is a valid JSON value for fd (as a single value), made by protojson itself.
func (v *variants) sample(fd protoreflect.FieldDescriptor) any {
	m, _ := v.idl.newMessage(string(fd.ContainingMessage().FullName()))
	m.Set(fd, v.g.value(fd, func() protoreflect.Value { return m.NewField(fd) }, maxDepth))
	b, err := protojson.MarshalOptions{Resolver: v.idl.types, EmitUnpopulated: true}.Marshal(m.Interface())
	if err != nil {
		return nil
	}
	obj, _ := decodeTree(b).(map[string]any)
	return obj[fd.JSONName()]
}
