// Package memo keeps made things (encoded bodies, rendered pages and
// fragments) by a key that names everything they were made of, so that a
// kept one is never stale and needs no invalidation: a change of what it
// was made of is a new key. The memory is bounded by emptying the whole map
// when it is full.
package memo

import "sync"

// Map is a bounded map of byte strings; the zero value with MaxBytes set is
// ready to use. Callers must not change what they get.
type Map[V ~string | ~[]byte] struct {
	MaxBytes int

	mu    sync.Mutex
	m     map[string]V
	bytes int
}

// Bytes keeps byte slices.
type Bytes = Map[[]byte]

// Get returns the value kept for key, making it with build when none is.
// Two callers asking at once may both make it; the first one made is kept.
func (c *Map[V]) Get(key string, build func() (V, error)) (V, error) {
	if v, ok := c.Lookup(key); ok {
		return v, nil
	}
	v, err := build()
	if err != nil {
		return v, err
	}
	return c.Put(key, v), nil
}

// Lookup returns the value kept for key.
func (c *Map[V]) Lookup(key string) (V, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.m[key]
	return v, ok
}

// Put keeps v for key (unless a value is kept already, which it returns).
func (c *Map[V]) Put(key string, v V) V {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || c.bytes+len(key)+len(v) > c.MaxBytes {
		c.m, c.bytes = map[string]V{}, 0
	}
	if kept, ok := c.m[key]; ok {
		return kept
	}
	c.m[key] = v
	c.bytes += len(key) + len(v)
	return v
}
