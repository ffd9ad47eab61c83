package spill

import (
	"cmp"
	"io"
	"os"
)

// DefaultAt is how many bytes a Spill holds in memory before it moves them to a
// temporary file.
const DefaultAt = 4 << 20

// Spill is where written pieces are kept: memory, then a temporary file. Its zero
// value is ready to use; it is not safe for concurrent use.
type Spill struct {
	At int // bytes held in memory at most; 0: DefaultAt

	mem  []byte
	file *os.File
	size int64
}

// Span is a written stretch of a Spill.
type Span struct{ Off, N int64 }

// Write keeps p and returns where it is.
func (s *Spill) Write(p []byte) (Span, error) {
	sp := Span{Off: s.size, N: int64(len(p))}
	if len(p) == 0 {
		return sp, nil
	}
	if s.file == nil && len(s.mem)+len(p) > cmp.Or(s.At, DefaultAt) {
		f, err := os.CreateTemp("", "prsweep-spill-*")
		if err != nil {
			return Span{}, err
		}
		_ = os.Remove(f.Name()) // gone when closed; Unix keeps it open until then
		if _, err := f.Write(s.mem); err != nil {
			_ = f.Close()
			return Span{}, err
		}
		s.file, s.mem = f, nil
	}
	if s.file == nil {
		s.mem = append(s.mem, p...)
	} else if _, err := s.file.Write(p); err != nil {
		return Span{}, err
	}
	s.size += sp.N
	return sp, nil
}

// Reader reads back the bytes of sp.
func (s *Spill) Reader(sp Span) io.Reader {
	if s.file == nil {
		return io.NewSectionReader(bytesReaderAt(s.mem), sp.Off, sp.N)
	}
	return io.NewSectionReader(s.file, sp.Off, sp.N)
}

// CopyTo writes the bytes of sp to w.
func (s *Spill) CopyTo(w io.Writer, sp Span) error {
	if s.file == nil {
		_, err := w.Write(s.mem[sp.Off : sp.Off+sp.N])
		return err
	}
	_, err := io.Copy(w, io.NewSectionReader(s.file, sp.Off, sp.N))
	return err
}

// Spilled says whether the bytes moved to a temporary file.
func (s *Spill) Spilled() bool { return s.file != nil }

// Close drops what was kept and removes the temporary file.
func (s *Spill) Close() {
	if s.file != nil {
		name := s.file.Name()
		_ = s.file.Close()
		_ = os.Remove(name) // where the early Remove could not (Windows)
	}
	s.mem, s.file, s.size = nil, nil, 0
}

type bytesReaderAt []byte

func (b bytesReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(b)) {
		return 0, io.EOF
	}
	n := copy(p, b[off:])
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}
