package main

import (
	"bytes"
	"errors"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/descriptorpb"
)

var update = flag.Bool("update", false, "rewrite the checked-in _dmicro.pb.go files the golden test compares")

// golden are the .proto files whose generated code is checked in, with
// the plugin options of their go:generate lines.
var golden = []struct{ dir, proto, opt string }{
	{"../../internal/gentest", "all.proto", "paths=source_relative"},
	{"../../internal/gentest", "legacy.proto", "paths=source_relative"},
	{"../../internal/benchpb", "bench.proto", "paths=source_relative"},
	{"../../internal/genmath", "math.proto", "paths=source_relative,openapi"},
}

// TestGolden runs protoc with the freshly built plugin on the checked-in
// .proto files and compares the whole _dmicro.pb.go files (marshalling and
// services) with the checked-in ones; -update rewrites them.
func TestGolden(t *testing.T) {
	plugin := buildPlugin(t)
	for _, gf := range golden {
		t.Run(gf.proto, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(gf.dir, gf.proto))
			if err != nil {
				t.Fatal(err)
			}
			out, stderr, err := runProtoc(t, plugin, map[string]string{gf.proto: string(src)}, gf.opt)
			if err != nil {
				t.Fatalf("protoc: %v\n%s", err, stderr)
			}
			name := strings.TrimSuffix(gf.proto, ".proto") + "_dmicro.pb.go"
			got, err := os.ReadFile(filepath.Join(out, name))
			if err != nil {
				t.Fatal(err)
			}
			path := filepath.Join(gf.dir, name)
			if *update {
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("the plugin writes another %s than the checked-in one: run go test ./cmd/protoc-gen-dmicro/ -update (or make generate)", path)
			}
		})
	}
}

// TestUnsupported runs protoc on files the marshalling generator refuses
// and checks that protoc fails with the file and element named.
func TestUnsupported(t *testing.T) {
	plugin := buildPlugin(t)
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"group", map[string]string{"g.proto": `syntax = "proto2"; package p; option go_package = "example.com/p";
			message Foo { optional group Bar = 1 { optional int32 x = 2; } }`},
			"g.proto: message p.Foo: field bar: groups are not supported"},
		{"extension", map[string]string{"e.proto": `syntax = "proto2"; package p; option go_package = "example.com/p";
			message Foo { optional int32 a = 1; extensions 100 to 200; }
			extend Foo { optional int32 ext = 100; }`},
			"e.proto: extension p.ext: extensions are not supported"},
		{"method name", map[string]string{"m.proto": `syntax = "proto3"; package p; option go_package = "example.com/p";
			message Foo { int32 dmicro_size = 1; }`},
			"m.proto: message p.Foo: field dmicro_size: its Go name DmicroSize is that of a generated method, not supported"},
		{"extension range", map[string]string{"e.proto": `syntax = "proto2"; package p; option go_package = "example.com/p";
			message Foo { optional int32 a = 1; extensions 100 to 200; }`},
			"e.proto: message p.Foo: extension ranges are not supported"},
		{"extension of another file", map[string]string{"x.proto": `syntax = "proto2"; package p; option go_package = "example.com/p";
			import "google/protobuf/descriptor.proto";
			extend google.protobuf.FieldOptions { optional int32 ext = 50000; }`},
			"x.proto: extension p.ext: extensions are not supported"},
		{"nested extension", map[string]string{"n.proto": `syntax = "proto2"; package p; option go_package = "example.com/p";
			import "google/protobuf/descriptor.proto";
			message Foo { extend google.protobuf.FieldOptions { optional int32 ext = 50001; } }`},
			"n.proto: message p.Foo: extension ext: extensions are not supported"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, err := runProtoc(t, plugin, c.files, "")
			if err == nil {
				t.Fatalf("protoc accepted the file; stderr:\n%s", stderr)
			}
			if !strings.Contains(stderr, c.want) {
				t.Fatalf("protoc's error:\n%s\nwant it to contain %q", stderr, c.want)
			}
		})
	}
}

// TestCheckSupportedWraps checks that checkSupported's errors wrap
// errUnsupported, and that proto2 and proto3 files pass.
func TestCheckSupportedWraps(t *testing.T) {
	for _, c := range []struct {
		syntax  string
		edition descriptorpb.Edition
		label   descriptorpb.FieldDescriptorProto_Label
		want    error
	}{
		{"proto3", 0, descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL, nil},
		{"proto2", 0, descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL, nil},
		{"proto2", 0, descriptorpb.FieldDescriptorProto_LABEL_REQUIRED, nil},
		{"editions", descriptorpb.Edition_EDITION_2023, descriptorpb.FieldDescriptorProto_LABEL_OPTIONAL, errUnsupported},
	} {
		fd := &descriptorpb.FileDescriptorProto{
			Name: proto.String("x.proto"), Package: proto.String("p"), Syntax: proto.String(c.syntax),
			Options: &descriptorpb.FileOptions{GoPackage: proto.String("example.com/p")},
			MessageType: []*descriptorpb.DescriptorProto{{Name: proto.String("M"), Field: []*descriptorpb.FieldDescriptorProto{{
				Name: proto.String("a"), Number: proto.Int32(1), Label: c.label.Enum(),
				Type: descriptorpb.FieldDescriptorProto_TYPE_INT32.Enum(), JsonName: proto.String("a"),
			}}}},
		}
		if c.edition != 0 {
			fd.Edition = c.edition.Enum()
		}
		p := pluginFor(t, fd)
		if err := checkSupported(p.FilesByPath["x.proto"]); !errors.Is(err, c.want) {
			t.Errorf("%s %v: checkSupported = %v, want %v", c.syntax, c.label, err, c.want)
		}
	}
}
