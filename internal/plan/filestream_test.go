package plan_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
)

// A FileReader gives the items back a repository at a time, in the file's order,
// whatever the size of each repository.
func TestFileReaderGivesARepositoryAtATime(t *testing.T) {
	var buf bytes.Buffer
	fw := plan.NewFileWriter(&buf, plan.Head{CreatedAt: time.Unix(1e9, 0), Registry: "r.example"})
	want := map[string]int{"a": 1, "b": 3, "c": 2}
	for _, repo := range []string{"a", "b", "c"} {
		for i := range want[repo] {
			fw.Write(plan.Item{Repository: repo, Tag: fmt.Sprint("t", i), Action: policy.Keep})
		}
	}
	if err := fw.Close(); err != nil {
		t.Fatal(err)
	}
	fr, err := plan.NewFileReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if h := fr.Head(); h.Schema != plan.Schema || h.Registry != "r.example" || !h.CreatedAt.Equal(time.Unix(1e9, 0)) {
		t.Errorf("head %+v", h)
	}
	var got []string
	for {
		items, err := fr.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		repo := items[0].Repository
		for _, it := range items {
			if it.Repository != repo {
				t.Errorf("%s's part holds an item of %s", repo, it.Repository)
			}
		}
		if len(items) != want[repo] {
			t.Errorf("%s: %d items, want %d", repo, len(items), want[repo])
		}
		got = append(got, repo)
	}
	if strings.Join(got, ",") != "a,b,c" {
		t.Errorf("repositories %v, want a,b,c", got)
	}
}

// What a reader refuses repository by repository is refused before anything is
// carried out: the caller reads every part first (sweep.ApplyPlan does).
func TestFileReaderRefuses(t *testing.T) {
	head := `{"schema":"prsweep.plan/v1","createdAt":"2026-11-29T23:00:00Z","registry":"r",`
	item := func(repo string) string {
		return fmt.Sprintf(`{"repository":%q,"tag":"t","action":"keep","reason":"x"}`, repo)
	}
	tests := map[string]string{
		"a repository in two places": head + `"items":[` + item("a") + "," + item("b") + "," + item("a") + `]}`,
		"the head after the items":   `{"items":[` + item("a") + `],"schema":"prsweep.plan/v1","createdAt":"2026-11-29T23:00:00Z","registry":"r"}`,
		"an unknown head field":      head + `"force":true,"items":[]}`,
		"no items":                   head[:len(head)-1] + `}`,
		"not an object":              `[]`,
	}
	for name, data := range tests {
		t.Run(name, func(t *testing.T) {
			_, err := plan.Read(strings.NewReader(data))
			if !errors.Is(err, plan.ErrBadPlan) {
				t.Errorf("Read = %v, want ErrBadPlan", err)
			}
			t.Log(err)
		})
	}
}
