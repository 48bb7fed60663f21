package memo

import (
	"errors"
	"testing"
)

func TestBytes(t *testing.T) {
	c := Bytes{MaxBytes: 20}
	made := 0
	mk := func(v string) func() ([]byte, error) {
		return func() ([]byte, error) { made++; return []byte(v), nil }
	}
	if b, err := c.Get("a", mk("one")); err != nil || string(b) != "one" {
		t.Fatalf("Get = %q, %v", b, err)
	}
	if b, _ := c.Get("a", mk("other")); string(b) != "one" || made != 1 {
		t.Errorf("kept value %q made %d times", b, made)
	}
	if _, err := c.Get("b", func() ([]byte, error) { return nil, errors.New("boom") }); err == nil {
		t.Error("an error of make was not returned")
	}
	if _, ok := c.Lookup("b"); ok {
		t.Error("a failed make was kept")
	}
	// Full: the map starts afresh rather than growing past MaxBytes.
	c.Put("c", []byte("0123456789abcdef"))
	if _, ok := c.Lookup("a"); ok {
		t.Error("the map grew past MaxBytes")
	}
	if b, ok := c.Lookup("c"); !ok || string(b) != "0123456789abcdef" {
		t.Errorf("Lookup(c) = %q, %v", b, ok)
	}
	if got := c.Put("c", []byte("x")); string(got) != "0123456789abcdef" {
		t.Errorf("Put over a kept value returned %q", got)
	}
}
