package main

import "google.golang.org/protobuf/compiler/protogen"

// generateOpenAPI writes one OpenAPI 3.1 document, name, of the services
// of files.
func generateOpenAPI(p *protogen.Plugin, files []*protogen.File, name string) error { return nil }
