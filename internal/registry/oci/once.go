package oci

import (
	"context"
	"sync"
)

// onceEach computes a value once per key (a repository, a scope), safe for
// concurrent use: callers of a key wait for the first one's result. A result that f
// marks as not final (a transient failure) is handed to the callers waiting for it
// and then forgotten, so the next call computes again. The zero value is ready.
type onceEach[V any] struct {
	mu sync.Mutex
	m  map[string]*onceEntry[V]
}

type onceEntry[V any] struct {
	ready chan struct{} // closed once v is set
	v     V
}

// do returns key's value, computing it with f if no call has yet. f runs with the
// first caller's context; a caller whose context ends while it waits gets ctx.Err().
func (o *onceEach[V]) do(ctx context.Context, key string, f func() (v V, final bool)) (V, error) {
	o.mu.Lock()
	if o.m == nil {
		o.m = map[string]*onceEntry[V]{}
	}
	e, ok := o.m[key]
	if !ok {
		e = &onceEntry[V]{ready: make(chan struct{})}
		o.m[key] = e
	}
	o.mu.Unlock()
	if !ok {
		v, final := f()
		e.v = v
		if !final {
			o.mu.Lock()
			delete(o.m, key)
			o.mu.Unlock()
		}
		close(e.ready)
		return v, nil
	}
	select {
	case <-e.ready:
		return e.v, nil
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}
