package spill

import (
	"bytes"
	"fmt"
	"io"
	"testing"
)

// Pieces read back the same whether they stayed in memory or went to the file,
// including those written before the move.
func TestSpillReadsBackEachPiece(t *testing.T) {
	for _, at := range []int{1 << 20, 64} {
		var s Spill
		s.At = at
		var spans []Span
		for i := range 20 {
			sp, err := s.Write([]byte(fmt.Sprintf("piece %02d;", i)))
			if err != nil {
				t.Fatal(err)
			}
			spans = append(spans, sp)
		}
		if got, want := s.Spilled(), at == 64; got != want {
			t.Errorf("at %d: spilled %v, want %v", at, got, want)
		}
		for i, sp := range spans {
			want := fmt.Sprintf("piece %02d;", i)
			got, err := io.ReadAll(s.Reader(sp))
			if err != nil || string(got) != want {
				t.Errorf("at %d: Reader(%v) = %q, %v; want %q", at, sp, got, err, want)
			}
			var buf bytes.Buffer
			if err := s.CopyTo(&buf, sp); err != nil || buf.String() != want {
				t.Errorf("at %d: CopyTo(%v) = %q, %v; want %q", at, sp, buf.String(), err, want)
			}
		}
		s.Close()
	}
}
