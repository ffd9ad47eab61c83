package sweep_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/google/go-containerregistry/pkg/name"
	v1 "github.com/google/go-containerregistry/pkg/v1"
	"github.com/google/go-containerregistry/pkg/v1/empty"
	"github.com/google/go-containerregistry/pkg/v1/mutate"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
	"github.com/prsweep/prsweep/internal/sweep"
)

func pushCreated(t *testing.T, host, tag string, created time.Time) {
	t.Helper()
	img, err := mutate.ConfigFile(empty.Image, &v1.ConfigFile{OS: "linux", Architecture: "amd64",
		Created: v1.Time{Time: created}, RootFS: v1.RootFS{Type: "layers"}, Config: v1.Config{Labels: map[string]string{"tag": tag}}})
	if err != nil {
		t.Fatal(err)
	}
	ref, err := name.NewTag(host+"/api:"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	if err := remote.Write(ref, img); err != nil {
		t.Fatal(err)
	}
}

func TestMinAge(t *testing.T) {
	now := time.Date(2026, 11, 29, 23, 0, 0, 0, time.UTC)
	srv := registrytest.StartV3(t)
	pushCreated(t, srv.Host(), "PR1-old", now.Add(-72*time.Hour))
	pushCreated(t, srv.Host(), "PR2-young", now.Add(-2*time.Hour))
	pushCreated(t, srv.Host(), "PR3-undated", time.Time{})
	yaml := `registry:
  url: http://` + srv.Host() + `
sources:
  - name: prs
    type: static
    states: {"1": merged, "2": merged, "3": merged}
rules:
  - tags: '^PR(?P<pr>\d+)-'
    source: prs
    minAge: 1d
`
	cfg, err := config.Parse([]byte(yaml), t.TempDir(), func(string) (string, bool) { return "", false })
	if err != nil {
		t.Fatal(err)
	}
	s, err := sweep.New(cfg, sweep.Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	res, err := s.Run(context.Background(), true)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"api:PR1-old": "", "api:PR2-young": "2h0m0s old", "api:PR3-undated": "age is unknown"}
	for _, it := range res.Items {
		why, ok := want[it.Ref()]
		switch {
		case !ok:
			t.Errorf("unexpected %s", it.Ref())
		case why == "" && it.Action != policy.Delete:
			t.Errorf("%s: %+v, want delete", it.Ref(), it)
		case why != "" && (it.Action != policy.Keep || !strings.Contains(it.Reason, why)):
			t.Errorf("%s: %+v, want kept because %q", it.Ref(), it, why)
		}
	}
}
