package httpxtest

import (
	"bytes"
	"sync"

	"github.com/prsweep/prsweep/internal/httpx"
)

// Buffer is a bytes.Buffer that goroutines may write to while a test reads it:
// for logs and --debug dumps written by concurrent requests. Its zero value is
// ready to use.
type Buffer struct {
	once sync.Once
	w    httpx.SyncWriter
	b    bytes.Buffer
}

func (b *Buffer) sync() *httpx.SyncWriter {
	b.once.Do(func() { b.w.W = &b.b })
	return &b.w
}

// Write appends p.
func (b *Buffer) Write(p []byte) (int, error) { return b.sync().Write(p) }

// Bytes returns a copy of what was written.
func (b *Buffer) Bytes() []byte {
	var out []byte
	b.sync().Do(func() { out = bytes.Clone(b.b.Bytes()) })
	return out
}

// String returns what was written.
func (b *Buffer) String() string { return string(b.Bytes()) }
