package registrytest_test

import (
	"context"
	"testing"

	"github.com/prsweep/prsweep/internal/registry/registrytest"
)

// The benchmarks time what tests pay for: starting a registry and seeding it.
// go test -run '^$' -bench . ./internal/registry/registrytest/

func BenchmarkStart(b *testing.B) {
	for _, r := range registries() {
		b.Run(r.name, func(b *testing.B) {
			for b.Loop() {
				s := r.start(b)
				if err := s.Close(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkSeed(b *testing.B) {
	sets := []struct {
		name   string
		images []registrytest.Image
	}{
		{"classic", registrytest.ClassicSet()},
		{"many150", registrytest.ManyTags("jarvis_base", "PR", 150)},
	}
	for _, r := range registries() {
		for _, set := range sets {
			b.Run(r.name+"/"+set.name, func(b *testing.B) {
				s := r.start(b)
				for b.Loop() {
					// Seeding again pushes nothing new: each round gets a fresh registry.
					b.StopTimer()
					_ = s.Close()
					s = r.start(b)
					b.StartTimer()
					if _, err := s.Seed(context.Background(), set.images); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}
