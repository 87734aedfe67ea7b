package main

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"

	"google.golang.org/protobuf/reflect/protoreflect"
)

// variants rewrites protojson's output into other spellings, guided by the descriptors.
type variants struct {
	g     *random
	idl   *IDL
	notes map[string]bool
	raw   map[string]string
}

func (v *variants) note(s string) { v.notes[s] = true }

func (v *variants) noteText() string {
	var all []string
	for k := range v.notes {
		all = append(all, k)
	}
	sort.Strings(all)
	return strings.Join(all, ", ")
}

// noncanonical: the same message spelled the other ways protojson reads: original field names,
// enum numbers, quoted and exponent integers, quoted floats, URL-safe and unpadded base64,
// timestamps with offsets, null for absent fields.
func (v *variants) noncanonical(md protoreflect.MessageDescriptor, text []byte) (string, string) {
	v.notes = map[string]bool{}
	tree := v.message(md, decodeTree(text))
	if len(v.notes) == 0 {
		return "", ""
	}
	return encodeTree(tree), v.noteText()
}

func (v *variants) message(md protoreflect.MessageDescriptor, x any) any {
	if out, done := v.wellKnown(md, x); done {
		return out
	}
	obj, ok := x.(map[string]any)
	if !ok {
		return x
	}
	out := map[string]any{}
	for k, val := range obj {
		fd := md.Fields().ByJSONName(k)
		if fd == nil {
			out[k] = val
			continue
		}
		key := k
		if string(fd.Name()) != k && v.g.chance(50) {
			key = string(fd.Name())
			v.note("original field names")
		}
		out[key] = v.field(fd, val)
	}
	fields := md.Fields()
	for i := 0; i < fields.Len(); i++ {
		fd := fields.Get(i)
		if _, set := obj[fd.JSONName()]; set || !v.g.chance(15) {
			continue
		}
		if od := fd.ContainingOneof(); od != nil && !od.IsSynthetic() {
			continue
		}
		if fd.Message() != nil && fd.Message().FullName() == "google.protobuf.Value" && !fd.IsList() && !fd.IsMap() {
			continue // null is a value there
		}
		if fd.Enum() != nil && fd.Enum().FullName() == "google.protobuf.NullValue" {
			continue
		}
		out[fd.JSONName()] = nil
		v.note("null for absent fields")
	}
	return out
}

func (v *variants) field(fd protoreflect.FieldDescriptor, x any) any {
	switch {
	case fd.IsList():
		arr, _ := x.([]any)
		for i := range arr {
			arr[i] = v.single(fd, arr[i])
		}
		return arr
	case fd.IsMap():
		obj, _ := x.(map[string]any)
		for k := range obj {
			obj[k] = v.single(fd.MapValue(), obj[k])
		}
		return obj
	}
	return v.single(fd, x)
}

func (v *variants) single(fd protoreflect.FieldDescriptor, x any) any {
	switch fd.Kind() {
	case protoreflect.MessageKind, protoreflect.GroupKind:
		return v.message(fd.Message(), x)
	case protoreflect.EnumKind:
		if s, ok := x.(string); ok && fd.Enum().FullName() != "google.protobuf.NullValue" && v.g.chance(50) {
			if ev := fd.Enum().Values().ByName(protoreflect.Name(s)); ev != nil {
				v.note("enum numbers")
				return json.Number(fmt.Sprint(ev.Number()))
			}
		}
	case protoreflect.Int32Kind, protoreflect.Sint32Kind, protoreflect.Sfixed32Kind, protoreflect.Uint32Kind, protoreflect.Fixed32Kind:
		if n, ok := x.(json.Number); ok {
			switch v.g.pick(3) {
			case 0:
				v.note("quoted integers")
				return string(n)
			case 1:
				v.note("exponent integers")
				return json.Number(exponent(string(n)))
			}
		}
	case protoreflect.Int64Kind, protoreflect.Sint64Kind, protoreflect.Sfixed64Kind, protoreflect.Uint64Kind, protoreflect.Fixed64Kind:
		if s, ok := x.(string); ok {
			switch v.g.pick(4) {
			case 0:
				v.note("bare 64-bit integers")
				return json.Number(s)
			case 1:
				v.note("exponent integers")
				return json.Number(exponent(s))
			case 2:
				v.note("quoted exponent integers")
				return exponent(s)
			}
		}
	case protoreflect.FloatKind, protoreflect.DoubleKind:
		if n, ok := x.(json.Number); ok && v.g.chance(40) {
			v.note("quoted floats")
			return string(n)
		}
	case protoreflect.BytesKind:
		if s, ok := x.(string); ok && v.g.chance(60) {
			v.note("URL-safe unpadded base64")
			return strings.TrimRight(strings.NewReplacer("+", "-", "/", "_").Replace(s), "=")
		}
	}
	return x
}

// exponent writes an integer in exponent form: "-1234" as "-1.234e3", "0" as "0e0".
func exponent(s string) string {
	sign := ""
	if strings.HasPrefix(s, "-") {
		sign, s = "-", s[1:]
	}
	if len(s) == 1 {
		return sign + s + "e0"
	}
	return sign + s[:1] + "." + s[1:] + "e" + fmt.Sprint(len(s)-1)
}

// wellKnown rewrites the well-known types with JSON of their own; done is false for others.
func (v *variants) wellKnown(md protoreflect.MessageDescriptor, x any) (any, bool) {
	switch md.FullName() {
	case "google.protobuf.Timestamp":
		s, ok := x.(string)
		if !ok || !v.g.chance(60) {
			return x, true
		}
		t, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			return x, true
		}
		offset := (v.g.pick(48) - 24) * 30 * 60
		local := t.In(time.FixedZone("", offset))
		if local.Year() < 1 || local.Year() > 9999 {
			return x, true
		}
		v.note("timestamp offsets")
		return local.Format("2006-01-02T15:04:05.999999999-07:00"), true
	case "google.protobuf.Duration", "google.protobuf.FieldMask", "google.protobuf.Struct", "google.protobuf.Value", "google.protobuf.ListValue", "google.protobuf.Empty":
		return x, true
	case "google.protobuf.Any":
		obj, ok := x.(map[string]any)
		if !ok {
			return x, true
		}
		url, _ := obj["@type"].(string)
		inner, err := v.idl.types.FindMessageByURL(url)
		if err != nil {
			return x, true
		}
		imd := inner.Descriptor()
		if _, special := v.wellKnown(imd, nil); special || isWrapper(imd) {
			obj["value"] = v.wellKnownValue(imd, obj["value"])
			return obj, true
		}
		rest := map[string]any{}
		for k, val := range obj {
			if k != "@type" {
				rest[k] = val
			}
		}
		out, _ := v.message(imd, rest).(map[string]any)
		out["@type"] = url
		return out, true
	}
	if isWrapper(md) {
		return v.single(md.Fields().ByNumber(1), x), true
	}
	return x, false
}

func (v *variants) wellKnownValue(md protoreflect.MessageDescriptor, x any) any {
	out, _ := v.wellKnown(md, x)
	return out
}

func isWrapper(md protoreflect.MessageDescriptor) bool {
	n := string(md.FullName())
	return strings.HasPrefix(n, "google.protobuf.") && strings.HasSuffix(n, "Value") && n != "google.protobuf.Value" && md.Fields().Len() == 1
}
