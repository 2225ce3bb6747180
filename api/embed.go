// Package api holds pngd's hand-written OpenAPI document, the single source of
// truth for the server and its clients.
package api

import _ "embed"

// Spec is api/openapi.yaml, byte for byte as written.
//
//go:embed openapi.yaml
var Spec []byte
