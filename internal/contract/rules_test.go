package contract

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
)

func TestSpecIsValid(t *testing.T) {
	if _, err := LoadSpec(); err != nil {
		t.Fatalf("api/openapi.yaml fails kin-openapi's validation: %v", err)
	}
}

func TestSpecRules(t *testing.T) {
	doc, err := LoadSpec()
	if err != nil {
		t.Fatal(err)
	}
	for _, b := range Rules(doc) {
		t.Error(b)
	}
}

// TestRulesCatchBreakage makes sure Rules is not vacuous: a spec with the
// classic mistake, a stray application/json beside image/png, must fail.
func TestRulesCatchBreakage(t *testing.T) {
	bad := `
openapi: 3.0.3
info: {title: t, version: "1"}
paths:
  /img:
    get:
      responses:
        "200":
          description: ok
          content:
            image/png: {schema: {type: string, format: binary}}
            application/json: {schema: {type: object}}
        "404":
          description: nope
          content:
            text/plain: {schema: {type: string}}
`
	doc, err := openapi3.NewLoader().LoadFromData([]byte(bad))
	if err != nil {
		t.Fatal(err)
	}
	got := strings.Join(Rules(doc), "\n")
	for _, want := range []string{"no operationId", "no summary", "no tag", "image/png alone", "problem+json alone", "does not declare 406"} {
		if !strings.Contains(got, want) {
			t.Errorf("Rules missed %q; got:\n%s", want, got)
		}
	}
}

// TestGeneratedCodeIsFresh regenerates gen/ into a temporary folder and
// fails if it differs from what is committed: gen/ is only ever the output
// of `make generate`.
func TestGeneratedCodeIsFresh(t *testing.T) {
	root := moduleRoot(t)
	dir := t.TempDir()
	out := filepath.Join(dir, "pngd.gen.go")
	cfg, err := os.ReadFile(filepath.Join(root, "gen", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	cfg = bytes.Replace(cfg, []byte("output: pngd.gen.go"), []byte("output: "+out), 1)
	cfgPath := filepath.Join(dir, "config.yaml")
	if err := os.WriteFile(cfgPath, cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command("go", "tool", "oapi-codegen", "-config", cfgPath, filepath.Join(root, "api", "openapi.yaml"))
	cmd.Dir = root
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("oapi-codegen: %v\n%s", err, msg)
	}
	want, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(filepath.Join(root, "gen", "pngd.gen.go"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatal("gen/pngd.gen.go is stale: api/openapi.yaml changed without `make generate`")
	}
}

func moduleRoot(t *testing.T) string {
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Dir(strings.TrimSpace(string(out)))
}
