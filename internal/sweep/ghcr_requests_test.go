package sweep_test

import (
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// The classic sweep on GHCR sends no request a correct sweep does without: no GET
// of each version before its DELETE (the re-reads are shared listings), one push
// session and one config upload for the throwaways of PR3574-test and
// PR3574-test-arm, and a ping and a registry token per read session (one per
// repository) and for that push session only.
func TestGHCRSweepRequests(t *testing.T) {
	e := newGHCREnv(t)
	registrytest.MustSeed(t, e.backend, registrytest.ClassicSet())
	e.checkClassic(t, run(t, e.sweeper(t, ghcrToken, classicStates(), ""), false))
	repos := 3 // jarvis, jarvis_base, jarvisautomation
	for route, most := range map[string]int{
		"GET /{kind}/{owner}/packages/container/{name}/versions/{id}": 0,
		"HEAD /v2/{repo}/blobs/{digest}":                              0,
		"POST /v2/{repo}/blobs/uploads/":                              1,
		"PATCH /v2/{repo}/blobs/uploads/":                             0,
		"GET /v2/":                                                    repos + 1,
		"GET /token":                                                  repos + 1,
	} {
		if n := e.ghcr.Count(route); n > most {
			t.Errorf("%s: %d; want at most %d", route, n, most)
		}
	}
}
