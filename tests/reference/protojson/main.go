// Command protojson-reference is the reference side of the mesh's differential test
// (tests/e2e/protojson-differential.test.ts): Go's protojson, on IDL compiled at run time
// (protocompile, protodesc, dynamicpb; no generated code).
//
//	gen   --root DIR --file F --service S --seed N --count K
//	      prints JSON lines {method, type, kind, json, note}: per method whose request and
//	      response types are the same, K random messages as protojson writes them (kind
//	      "valid"), spelled the other ways protojson reads (kind "noncanonical"), and mutated
//	      into what protojson refuses (kind "invalid"). Every line is checked against protojson
//	      before it is printed.
//	check --root DIR --file F
//	      reads JSON lines {type, sent, reply} and prints one line per input:
//	      {replyParses, sentParses, equal, error, sentCanonical, replyCanonical}.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"os"

	"github.com/bufbuild/protocompile"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
	"google.golang.org/protobuf/types/dynamicpb"
)

func main() {
	if len(os.Args) < 2 {
		fatal("usage: protojson-reference gen|check [flags]")
	}
	fs := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	root := fs.String("root", ".", "import root of the .proto files")
	file := fs.String("file", "", "the .proto file to load (relative to --root)")
	service := fs.String("service", "", "gen: the service whose methods to cover")
	seed := fs.Int64("seed", 1, "gen: random seed")
	count := fs.Int("count", 20, "gen: messages per method")
	_ = fs.Parse(os.Args[2:])
	idl := load(*root, *file)
	switch os.Args[1] {
	case "gen":
		generate(idl, protoreflect.FullName(*service), *seed, *count)
	case "check":
		check(idl)
	default:
		fatal("unknown mode " + os.Args[1])
	}
}

func fatal(msg string) {
	fmt.Fprintln(os.Stderr, msg)
	os.Exit(2)
}

// IDL is the compiled IDL: its files and the dynamic types protojson resolves Any with.
type IDL struct {
	files *protoregistry.Files
	types *dynamicpb.Types
}

func load(root, file string) *IDL {
	c := protocompile.Compiler{Resolver: protocompile.WithStandardImports(&protocompile.SourceResolver{ImportPaths: []string{root}})}
	compiled, err := c.Compile(context.Background(), file)
	if err != nil {
		fatal("compile: " + err.Error())
	}
	files := new(protoregistry.Files)
	var add func(fd protoreflect.FileDescriptor)
	add = func(fd protoreflect.FileDescriptor) {
		if _, err := files.FindFileByPath(fd.Path()); err == nil {
			return
		}
		imports := fd.Imports()
		for i := 0; i < imports.Len(); i++ {
			add(imports.Get(i).FileDescriptor)
		}
		if err := files.RegisterFile(fd); err != nil {
			fatal("register " + fd.Path() + ": " + err.Error())
		}
	}
	for _, f := range compiled {
		add(f)
	}
	return &IDL{files: files, types: dynamicpb.NewTypes(files)}
}

func (idl *IDL) newMessage(name string) (protoreflect.Message, error) {
	mt, err := idl.types.FindMessageByName(protoreflect.FullName(name))
	if err != nil {
		return nil, err
	}
	return mt.New(), nil
}

func (idl *IDL) unmarshal(name, text string) (protoreflect.Message, error) {
	m, err := idl.newMessage(name)
	if err != nil {
		return nil, err
	}
	err = protojson.UnmarshalOptions{Resolver: idl.types}.Unmarshal([]byte(text), m.Interface())
	return m, err
}

// canonical is the message as protojson writes it: equal texts mean equal messages, with -0,
// NaN and Any contents compared by value (unlike bytes, whose map order may differ).
func (idl *IDL) canonical(m protoreflect.Message) string {
	b, err := protojson.MarshalOptions{Resolver: idl.types}.Marshal(m.Interface())
	if err != nil {
		return "marshal error: " + err.Error()
	}
	return string(b)
}

type checkIn struct {
	Type  string `json:"type"`
	Sent  string `json:"sent"`
	Reply string `json:"reply"`
	// Shape: the mesh's JSON output options as bits (1 emit-defaults, 2 proto-names,
	// 4 enum-numbers); when set, shaped is the sent message as protojson writes it with the
	// matching MarshalOptions, for the mesh's reply to equal as JSON.
	Shape int `json:"shape"`
}

type checkOut struct {
	SentParses     bool   `json:"sentParses"`
	ReplyParses    bool   `json:"replyParses"`
	Equal          bool   `json:"equal"`
	Error          string `json:"error,omitempty"`
	SentCanonical  string `json:"sentCanonical,omitempty"`
	ReplyCanonical string `json:"replyCanonical,omitempty"`
	Shaped         string `json:"shaped,omitempty"`
}

func check(idl *IDL) {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 1<<20), 64<<20)
	out := bufio.NewWriter(os.Stdout)
	defer out.Flush()
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		var c checkIn
		if err := json.Unmarshal(in.Bytes(), &c); err != nil {
			fatal("check input: " + err.Error())
		}
		var r checkOut
		sent, err := idl.unmarshal(c.Type, c.Sent)
		if err != nil {
			r.Error = "sent: " + err.Error()
		} else {
			r.SentParses = true
			r.SentCanonical = idl.canonical(sent)
			if c.Shape != 0 {
				opts := protojson.MarshalOptions{Resolver: idl.types, EmitUnpopulated: c.Shape&1 != 0, UseProtoNames: c.Shape&2 != 0, UseEnumNumbers: c.Shape&4 != 0}
				if b, err := opts.Marshal(sent.Interface()); err != nil {
					r.Shaped = "marshal error: " + err.Error()
				} else {
					r.Shaped = string(b)
				}
			}
		}
		if c.Reply != "" {
			reply, err := idl.unmarshal(c.Type, c.Reply)
			if err != nil {
				r.Error = "reply: " + err.Error()
			} else {
				r.ReplyParses = true
				r.ReplyCanonical = idl.canonical(reply)
				r.Equal = r.SentParses && r.SentCanonical == r.ReplyCanonical
			}
		}
		if err := enc.Encode(r); err != nil {
			fatal(err.Error())
		}
	}
	if err := in.Err(); err != nil {
		fatal(err.Error())
	}
}
