package plan_test

import (
	"bytes"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// FuzzRead: a plan file that Read accepts has only items apply can carry out
// safely, and writing it back and reading it again gives the same plan.
func FuzzRead(f *testing.F) {
	var buf bytes.Buffer
	if err := plan.Write(&buf, samplePlan()); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(`{"schema":"prsweep.plan/v1","createdAt":"2026-11-29T23:00:00Z","registry":"r","items":[]}`))
	f.Add([]byte(`{"schema":"prsweep.plan/v1","createdAt":"2026-11-29T23:00:00Z","registry":"r","items":[{"repository":"a","tag":"b","digest":"sha256:1","action":"delete","method":"untag"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		p, err := plan.Read(bytes.NewReader(data))
		if err != nil {
			return
		}
		for _, it := range p.Items {
			if it.Action == policy.Delete && !it.Done && (it.Method == "" || !strings.HasPrefix(it.Digest, "sha")) {
				t.Fatalf("Read accepted a delete without method or digest: %+v", it)
			}
		}
		var out bytes.Buffer
		if err := plan.Write(&out, p); err != nil {
			t.Fatal(err)
		}
		if _, err := plan.Read(&out); err != nil {
			t.Fatalf("a plan Read accepted does not read back after Write: %v", err)
		}
	})
}
