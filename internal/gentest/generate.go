package gentest

//go:generate protoc --go_out=. --go_opt=paths=source_relative --dmicro_out=. --dmicro_opt=paths=source_relative all.proto legacy.proto
