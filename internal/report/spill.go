package report

import (
	"cmp"
	"io"
	"os"
)

// defaultSpillAt is how much rendered report a Stream holds in memory before it
// moves it to a temporary file.
const defaultSpillAt = 4 << 20

// spill is where a Stream keeps rendered parts: memory, then a temporary file.
type spill struct {
	at   int // bytes held in memory at most; 0: defaultSpillAt
	mem  []byte
	file *os.File
	size int64
}

// span is a written stretch of the spill.
type span struct{ off, n int64 }

func (s *spill) write(p []byte) (span, error) {
	sp := span{off: s.size, n: int64(len(p))}
	if len(p) == 0 {
		return sp, nil
	}
	if s.file == nil && len(s.mem)+len(p) > cmp.Or(s.at, defaultSpillAt) {
		f, err := os.CreateTemp("", "prsweep-report-*")
		if err != nil {
			return span{}, err
		}
		_ = os.Remove(f.Name()) // gone when closed; Unix keeps it open until then
		if _, err := f.Write(s.mem); err != nil {
			_ = f.Close()
			return span{}, err
		}
		s.file, s.mem = f, nil
	}
	if s.file == nil {
		s.mem = append(s.mem, p...)
	} else if _, err := s.file.Write(p); err != nil {
		return span{}, err
	}
	s.size += sp.n
	return sp, nil
}

func (s *spill) copyTo(w io.Writer, sp span) error {
	if s.file == nil {
		_, err := w.Write(s.mem[sp.off : sp.off+sp.n])
		return err
	}
	_, err := io.Copy(w, io.NewSectionReader(s.file, sp.off, sp.n))
	return err
}

func (s *spill) close() {
	if s.file != nil {
		name := s.file.Name()
		_ = s.file.Close()
		_ = os.Remove(name) // where the early Remove could not (Windows)
	}
	s.mem, s.file = nil, nil
}
