// Package memo keeps made things (encoded bodies, rendered pages) by a key
// that names everything they were made of, so that a kept one is never
// stale and needs no invalidation: a change of what it was made of is a
// new key. The memory is bounded by emptying the whole map when it is full.
package memo

import "sync"

// Bytes is a bounded map of byte slices; the zero value with MaxBytes set
// is ready to use. Callers must not change what they get.
type Bytes struct {
	MaxBytes int

	mu    sync.Mutex
	m     map[string][]byte
	bytes int
}

// Get returns the value kept for key, making it with make when none is.
// Two callers asking at once may both make it; the first one made is kept.
func (c *Bytes) Get(key string, make func() ([]byte, error)) ([]byte, error) {
	if b, ok := c.Lookup(key); ok {
		return b, nil
	}
	b, err := make()
	if err != nil {
		return nil, err
	}
	return c.Put(key, b), nil
}

// Lookup returns the value kept for key.
func (c *Bytes) Lookup(key string) ([]byte, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	b, ok := c.m[key]
	return b, ok
}

// Put keeps b for key (unless a value is kept already, which it returns).
func (c *Bytes) Put(key string, b []byte) []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.bytes+len(key)+len(b) > c.MaxBytes {
		c.m, c.bytes = map[string][]byte{}, 0
	}
	if kept, ok := c.m[key]; ok {
		return kept
	}
	c.m[key] = b
	c.bytes += len(key) + len(b)
	return b
}
