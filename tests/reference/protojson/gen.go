package main

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand"
	"os"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
)

// Case is one line of gen's output.
type Case struct {
	Method string `json:"method"`
	Type   string `json:"type"`
	// Kind: "valid" (protojson's own output), "noncanonical" (another spelling protojson
	// reads as the same message) or "invalid" (a spelling protojson refuses).
	Kind string `json:"kind"`
	JSON string `json:"json"`
	Note string `json:"note,omitempty"`
}

func generate(idl *IDL, service protoreflect.FullName, seed int64, count int) {
	d, err := idl.files.FindDescriptorByName(service)
	if err != nil {
		fatal("service: " + err.Error())
	}
	sd, ok := d.(protoreflect.ServiceDescriptor)
	if !ok {
		fatal(string(service) + " is not a service")
	}
	g := &random{r: rand.New(rand.NewSource(seed)), idl: idl, anyTypes: anyTypes(idl)}
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	emit := func(c Case) {
		if err := enc.Encode(c); err != nil {
			fatal(err.Error())
		}
	}
	methods := sd.Methods()
	for i := 0; i < methods.Len(); i++ {
		md := methods.Get(i)
		if md.Input().FullName() != md.Output().FullName() || md.IsStreamingClient() || md.IsStreamingServer() {
			continue
		}
		typ := string(md.Input().FullName())
		for n := 0; n < count; n++ {
			m, _ := idl.newMessage(typ)
			g.message(m, 0)
			text, err := protojson.MarshalOptions{Resolver: idl.types}.Marshal(m.Interface())
			if err != nil {
				fatal(fmt.Sprintf("seed %d: marshal %s: %v", seed, typ, err))
			}
			emit(Case{Method: string(md.Name()), Type: typ, Kind: "valid", JSON: string(text)})
			v := &variants{g: g, idl: idl}
			// protojson judges each variant: what it reads is a case for reading, what it refuses one for refusing.
			for _, variant := range [][2]string{pair(v.noncanonical(md.Input(), text)), pair(v.invalid(md.Input(), text))} {
				if variant[0] == "" {
					continue
				}
				c := Case{Method: string(md.Name()), Type: typ, Kind: "noncanonical", JSON: variant[0], Note: variant[1]}
				if _, err := idl.unmarshal(typ, variant[0]); err != nil {
					c.Kind, c.Note = "invalid", variant[1]+" (protojson: "+err.Error()+")"
				} else if variant[0] == string(text) {
					continue
				}
				emit(c)
			}
		}
	}
}

// anyTypes: the messages of the IDL's own files and a few well-known types.
func anyTypes(idl *IDL) []protoreflect.MessageDescriptor {
	var out []protoreflect.MessageDescriptor
	idl.files.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		msgs := fd.Messages()
		for i := 0; i < msgs.Len(); i++ {
			md := msgs.Get(i)
			if fd.Package() == "google.protobuf" {
				switch md.Name() {
				case "Timestamp", "Duration", "Struct", "Value", "Int64Value", "StringValue", "Empty", "FieldMask", "BoolValue":
				default:
					continue
				}
			}
			out = append(out, md)
		}
		return true
	})
	return out
}

// decodeTree reads JSON keeping numbers as written.
func decodeTree(text []byte) any {
	d := json.NewDecoder(bytes.NewReader(text))
	d.UseNumber()
	var v any
	if err := d.Decode(&v); err != nil {
		fatal("decode: " + err.Error())
	}
	return v
}

func encodeTree(v any) string {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		fatal("encode: " + err.Error())
	}
	return string(bytes.TrimRight(b.Bytes(), "\n"))
}

func pair(a, b string) [2]string { return [2]string{a, b} }
