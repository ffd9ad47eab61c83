package sweep_test

import (
	"context"
	"slices"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/prsweep/prsweep/internal/plan"
	"github.com/prsweep/prsweep/internal/policy"
	"github.com/prsweep/prsweep/internal/registry/oci"
	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// Safety rule 5 in a later wave: a deleted image's signature tag goes in the wave
// after the image's — by untag on v3; on 2.8 by digest, or by retag (no digest
// deletion in that wave) when a staying tag (sig-copy) holds the signature's
// manifest. Right after the first wave's confirmation someone signs the image again:
// `cosign sign` pushes a new sha256-<hex>.sig manifest onto the same tag. The later
// wave must read the tag again and keep it: it changed since the decision, and any
// read before that wave (the decision's, or the re-check before the first wave) is
// older than the push.
func TestLaterWaveKeepsATagPushedAgain(t *testing.T) {
	for kind, start := range registries {
		for _, shared := range []bool{false, true} {
			name := kind + "/alone"
			if shared {
				name = kind + "/shared"
			}
			t.Run(name, func(t *testing.T) { laterWavePushedAgain(t, start(t), shared) })
		}
	}
}

func laterWavePushedAgain(t *testing.T, srv *registrytest.Server, shared bool) {
	ctx := context.Background()
	subject := registrytest.MustSeed(t, srv, []registrytest.Image{{Repo: "jarvis", Tag: "PR9200-test", Seed: 9201, OCI: true}})["jarvis:PR9200-test"]
	sigTag := strings.Replace(subject, ":", "-", 1) + ".sig"
	oldSig := pushSignature(t, srv, subject, 9202)
	if shared {
		promote(t, srv.URL(), "jarvis", sigTag, "sig-copy")
	}
	var newSig atomic.Value
	proxy := registrytest.StartProxy(t, srv, afterConfirmation(
		[]string{"/v2/jarvis/manifests/PR9200-test", "/v2/jarvis/manifests/" + subject},
		"/v2/jarvis/tags/list",
		func() {
			ds, err := srv.Seed(context.Background(), []registrytest.Image{{Repo: "jarvis", Tag: sigTag, Seed: 9203, OCI: true}})
			if err != nil {
				t.Errorf("signing again: %v", err)
				return
			}
			newSig.Store(ds["jarvis:"+sigTag])
		}))
	res, err := newSweeper(t, proxy.Host(), map[string]string{"9200": "merged"}, "").Run(ctx, false)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := newSig.Load().(string)
	if again == "" {
		t.Fatal("the image was never signed again: the first wave's confirmation was not seen")
	}
	if again == oldSig {
		t.Fatalf("the new signature has the old digest %s", oldSig)
	}
	left := remaining(t, srv.Host())
	if slices.Contains(left, "jarvis:PR9200-test") {
		t.Errorf("PR9200-test was not deleted: %v", left)
	}
	if !slices.Contains(left, "jarvis:"+sigTag) {
		t.Fatalf("%s, pushed again after the decision, was deleted: left %v", sigTag, left)
	}
	c, err := oci.New(srv.Host(), oci.Options{Scheme: "http"})
	if err != nil {
		t.Fatal(err)
	}
	if m, err := c.Resolve(ctx, "jarvis", sigTag); err != nil || m.Digest != again {
		t.Errorf("%s is %q (%v), want the new signature %s", sigTag, m.Digest, err, again)
	}
	found := false
	for _, it := range res.Items {
		if it.Kind != plan.KindTag || it.Tag != sigTag {
			continue
		}
		found = true
		if it.Action != policy.Keep || it.Done || it.Failed() || !strings.Contains(it.Reason, "pushed again") || !strings.Contains(it.Reason, again) {
			t.Errorf("%s: %+v, want kept as pushed again onto %s", sigTag, it, again)
		}
	}
	if !found {
		t.Errorf("no item for %s: %+v", sigTag, res.Items)
	}
}
