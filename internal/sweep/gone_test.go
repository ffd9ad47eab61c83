package sweep_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-containerregistry/pkg/name"
	"github.com/google/go-containerregistry/pkg/v1/remote"

	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// notFoundProxy forwards to a registry, but answers every DELETE under repo with
// 404 MANIFEST_UNKNOWN without passing it on: a 404 that is not the truth.
func notFoundProxy(t *testing.T, backend *registrytest.Server, repo string) string {
	t.Helper()
	target, _ := url.Parse(backend.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && strings.HasPrefix(r.URL.Path, "/v2/"+repo+"/manifests/") {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = w.Write([]byte(`{"errors":[{"code":"MANIFEST_UNKNOWN","message":"manifest unknown"}]}`))
			return
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return strings.TrimPrefix(srv.URL, "http://")
}

// Safety rule 8: a 404 on a DELETE is not proof. The listing read back decides, and
// a tag still listed is reported failed, never deleted.
func TestA404IsNotProofOfDeletion(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			srv := start(t)
			registrytest.MustSeed(t, srv, registrytest.ClassicSet())
			host := notFoundProxy(t, srv, "jarvis")
			res, err := newSweeper(t, host, classicStates(), "").Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			failed := 0
			for _, it := range res.Items {
				if it.Repository != "jarvis" || it.Kind != "" {
					continue
				}
				if it.Done {
					t.Errorf("%s reported deleted, but the registry never deleted it (%s)", it.Ref(), it.Reason)
				}
				if it.Action == policy.Delete {
					failed++
					if !it.Failed() || !strings.Contains(it.Error, "still listed") {
						t.Errorf("%s: error %q, want it failed as still listed", it.Ref(), it.Error)
					}
				}
			}
			if failed == 0 {
				t.Error("no deletion was tried in jarvis")
			}
			var left []string
			for _, ref := range remaining(t, srv.Host()) {
				if strings.HasPrefix(ref, "jarvis:") {
					left = append(left, ref)
				}
			}
			want := slices.DeleteFunc(registrytest.ClassicPreserved(), func(r string) bool { return !strings.HasPrefix(r, "jarvis:") })
			for _, d := range registrytest.ClassicDeleted() {
				if strings.HasPrefix(d, "jarvis:") {
					want = append(want, d)
				}
			}
			slices.Sort(want)
			if diff := cmp.Diff(want, left); diff != "" {
				t.Errorf("jarvis's tags (-want +got):\n%s", diff)
			}
		})
	}
}

// A listed tag whose manifest is missing (what a half-done 2.8 DELETE leaves) is
// never "already gone": a merged PR's dangling tag is removed and confirmed gone, an
// open PR's is kept and reported.
func TestDanglingTags(t *testing.T) {
	srv := registrytest.StartDistribution28(t)
	images := registrytest.ManyTags("dang", "PR", 3) // PR5000-test, PR5001-test, PR5002-test
	digests := registrytest.MustSeed(t, srv, images)
	for _, tag := range []string{"PR5000-test", "PR5001-test"} {
		if err := srv.MakeDangling("dang", digests["dang:"+tag]); err != nil {
			t.Fatal(err)
		}
	}
	states := map[string]string{"5000": "merged", "5001": "open", "5002": "merged"}
	path := filepath.Join(t.TempDir(), "audit.jsonl")
	journal, err := audit.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	s := newSweeper(t, srv.Host(), states, "")
	s.Audit = journal
	res, err := s.Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	_ = journal.Close()
	// The journal stays readable: a dangling tag's records carry no digest.
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := audit.Read(f)
	if err != nil {
		t.Fatalf("the audit log of a sweep that removed a dangling tag: %v", err)
	}
	if n := len(recs); n != 4 {
		t.Errorf("%d audit records, want 4 (delete and deleted for two tags)", n)
	}
	by := map[string]string{}
	for _, it := range res.Items {
		switch {
		case it.Done:
			by[it.Tag] = "deleted"
		case it.Failed():
			by[it.Tag] = "failed: " + it.Error
		default:
			by[it.Tag] = "kept"
		}
	}
	if by["PR5000-test"] != "deleted" || by["PR5002-test"] != "deleted" {
		t.Errorf("merged PRs' tags: %q, %q, want both deleted", by["PR5000-test"], by["PR5002-test"])
	}
	if !strings.Contains(by["PR5001-test"], "dangling") {
		t.Errorf("the open PR's dangling tag: %q, want it reported as dangling", by["PR5001-test"])
	}
	if diff := cmp.Diff([]string{"dang:PR5001-test"}, remaining(t, srv.Host())); diff != "" {
		t.Errorf("left (-want +got):\n%s", diff)
	}
}

// Two PR tags on one image, deleted by digest on 2.8 with the audit log on: one
// DELETE removes both, both are journaled first and both are reported deleted (the
// second was reported failed, its manifest gone when it came to journal it).
func TestSharedDigestWithAuditLog(t *testing.T) {
	for kind, start := range registries {
		t.Run(kind, func(t *testing.T) {
			srv := start(t)
			registrytest.MustSeed(t, srv, []registrytest.Image{
				{Repo: "twins", Tag: "PR7100-a", Seed: 71}, {Repo: "twins", Tag: "PR7101-b", Seed: 71}, {Repo: "twins", Tag: "release", Seed: 72}})
			path := filepath.Join(t.TempDir(), "audit.jsonl")
			journal, err := audit.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			s := newSweeper(t, srv.Host(), map[string]string{"7100": "merged", "7101": "merged"}, "")
			s.Audit = journal
			res, err := s.Run(context.Background(), false)
			if err != nil {
				t.Fatal(err)
			}
			_ = journal.Close()
			deleted, _ := outcome(t, res.Items) // fails the test on any failed item
			if diff := cmp.Diff([]string{"twins:PR7100-a", "twins:PR7101-b"}, deleted); diff != "" {
				t.Errorf("deleted (-want +got):\n%s", diff)
			}
			if diff := cmp.Diff([]string{"twins:release"}, remaining(t, srv.Host())); diff != "" {
				t.Errorf("left (-want +got):\n%s", diff)
			}
			f, err := os.Open(path)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			recs, err := audit.Read(f)
			if err != nil {
				t.Fatal(err)
			}
			events := map[string][]string{}
			for _, r := range recs {
				events[r.Tag] = append(events[r.Tag], r.Event)
			}
			for _, tag := range []string{"PR7100-a", "PR7101-b"} {
				if diff := cmp.Diff([]string{audit.EventDelete, audit.EventDeleted}, events[tag]); diff != "" {
					t.Errorf("journal of %s (-want +got):\n%s", tag, diff)
				}
			}
		})
	}
}

// Safety rule 4 on the retag path: when the throwaway manifest cannot be deleted,
// the tag is put back on its own image, never left on the throwaway.
func TestHalfDoneRetagIsUndone(t *testing.T) {
	srv := registrytest.StartDistribution28(t)
	digests := registrytest.MustSeed(t, srv, registrytest.ClassicSet())
	host := faultProxy(t, srv, func(r *http.Request) bool {
		return r.Method == http.MethodDelete && strings.Contains(r.URL.Path, "/manifests/sha256:")
	})
	res, err := fastSweeper(t, host, classicStates(), "").Run(context.Background(), false)
	if err != nil {
		t.Fatal(err)
	}
	retagged := 0
	for _, it := range res.Items {
		if it.Done {
			t.Errorf("%s reported deleted, though no DELETE reached the registry", it.Ref())
		}
		if it.Method == registry.MethodRetag {
			retagged++
		}
	}
	if retagged == 0 {
		t.Fatal("no tag was to be retagged")
	}
	for ref, want := range digests {
		repo, tag, _ := strings.Cut(ref, ":")
		if got := headDigest(t, srv.Host(), repo, tag); got != want {
			t.Errorf("%s points at %s, not its own %s", ref, got, want)
		}
	}
}

func headDigest(t *testing.T, host, repo, tag string) string {
	t.Helper()
	ref, err := name.NewTag(host+"/"+repo+":"+tag, name.Insecure)
	if err != nil {
		t.Fatal(err)
	}
	desc, err := remote.Head(ref)
	if err != nil {
		return "error: " + err.Error()
	}
	return desc.Digest.String()
}
