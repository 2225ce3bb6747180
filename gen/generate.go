// Package gen is generated from api/openapi.yaml by oapi-codegen; only
// `make generate` writes it. It holds the models, the strict server for the
// standard library's mux, and a Go client that users can import.
package gen

//go:generate go tool oapi-codegen -config config.yaml ../api/openapi.yaml
