package sign_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/pngd/pngd/sign"
)

var key = []byte("a signing key of at least 32 chars")

func TestMessage(t *testing.T) {
	q, _ := url.ParseQuery("w=100&fit=cover&sig=ignored&h=5&h=3&x=a%20b")
	if got, want := sign.Message("/images/abc", q), "/images/abc?fit=cover&h=3&h=5&w=100&x=a+b"; got != want {
		t.Errorf("Message = %q, want %q", got, want)
	}
}

func TestSignMatchesHMAC(t *testing.T) {
	q := url.Values{"w": {"100"}}
	m := hmac.New(sha256.New, key)
	m.Write([]byte("/images/abc?w=100"))
	if got, want := sign.Sign(key, "/images/abc", q), base64.RawURLEncoding.EncodeToString(m.Sum(nil)); got != want {
		t.Errorf("Sign = %q, want HMAC-SHA256 base64url %q", got, want)
	}
}

func TestURLAndVerify(t *testing.T) {
	for _, raw := range []string{
		"/images/abc?w=100&h=50",
		"https://img.example.com/images/abc?h=50&w=100",
		"/images/abc?w=100&sig=stale",
		"/images/abc",
	} {
		signed, err := sign.URL(key, raw)
		if err != nil {
			t.Fatal(err)
		}
		u, _ := url.Parse(signed)
		if !sign.Verify(key, u.EscapedPath(), u.RawQuery) {
			t.Errorf("URL(%q) = %q does not verify", raw, signed)
		}
		q := u.Query()
		q.Set("w", "101")
		if sign.Verify(key, u.EscapedPath(), q.Encode()) {
			t.Errorf("%q verifies with w changed", signed)
		}
		if sign.Verify([]byte("another key entirely, 32 chars+"), u.EscapedPath(), u.RawQuery) {
			t.Errorf("%q verifies under another key", signed)
		}
	}
	if sign.Verify(key, "/images/abc", "w=1") {
		t.Error("a query without sig verifies")
	}
}

// TestVerifyIsStrict: one spelling of a signature verifies, and nothing can
// be added to a signed query that its canonical form does not account for.
func TestVerifyIsStrict(t *testing.T) {
	signed, err := sign.URL(key, "/images/abc?w=100&h=50")
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(signed)
	sig := u.Query().Get(sign.Param)
	if !sign.Verify(key, u.EscapedPath(), u.RawQuery) {
		t.Fatalf("%q does not verify", signed)
	}
	// The last of 43 characters carries 2 spare bits: the other three
	// values of them spell the same bytes in lax base64.
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	last := strings.IndexByte(alphabet, sig[len(sig)-1])
	spellings := 0
	for spare := range 4 {
		alt := sig[:len(sig)-1] + string(alphabet[last&^3|spare])
		if sign.Verify(key, u.EscapedPath(), "h=50&w=100&sig="+alt) {
			spellings++
		}
	}
	if spellings != 1 {
		t.Errorf("%d spellings of the signature verify, want 1", spellings)
	}
	for _, junk := range []string{"&", ";x=1", "&&", "&x=%zz", "&=", "&sig=" + sig, "&%"} {
		if q := "h=50&w=100&sig=" + sig + junk; sign.Verify(key, u.EscapedPath(), q) {
			t.Errorf("query %q verifies", q)
		}
	}
	for _, padded := range []string{sig + "=", sig + "%3D"} {
		if sign.Verify(key, u.EscapedPath(), "h=50&w=100&sig="+padded) {
			t.Errorf("padded signature %q verifies", padded)
		}
	}
	if _, err := sign.URL(key, "/images/abc?w=%zz"); err == nil {
		t.Error("URL accepted a malformed query")
	}
}

func ExampleURL() {
	u, _ := sign.URL([]byte("a signing key of at least 32 chars"), "https://img.example.com/images/0f3a?w=256&fit=cover&h=256")
	fmt.Println(u)
	// Output: https://img.example.com/images/0f3a?fit=cover&h=256&sig=8h1gUX0OGUW7_dbV1fHxb_xLrsySZ9433ODT7k7aEWI&w=256
}
