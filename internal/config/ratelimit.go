package config

import (
	"slices"
	"strings"
)

// RateLimit paces the registry's requests under its quota (rateLimit:). Without
// it prsweep still slows down when the registry answers 429.
type RateLimit struct {
	ReadsPerMinute  int    `yaml:"readsPerMinute"`  // GET and HEAD; 0: the SKU's figure, else unpaced
	WritesPerMinute int    `yaml:"writesPerMinute"` // DELETE, PUT, POST, PATCH; likewise
	SKU             string `yaml:"sku"`             // acr: basic | standard | premium
}

// ACR's published operations per minute by SKU ("ReadOps, WriteOps, and
// Bandwidth are minimum estimates": pacing at them stays under the quota).
// https://learn.microsoft.com/en-us/azure/container-registry/container-registry-skus
var acrSKUs = map[string]struct{ reads, writes int }{
	"basic":    {1000, 100},
	"standard": {3000, 500},
	"premium":  {10000, 2000},
}

// ACRSKUs lists the values rateLimit.sku accepts.
func ACRSKUs() []string { return []string{"basic", "standard", "premium"} }

// PerMinute returns the reads and writes a minute to pace the registry at: the
// keys set, else the SKU's published figures, else 0 (unpaced until a 429).
func (r RateLimit) PerMinute() (reads, writes int) {
	sku := acrSKUs[strings.ToLower(r.SKU)]
	reads, writes = sku.reads, sku.writes
	if r.ReadsPerMinute > 0 {
		reads = r.ReadsPerMinute
	}
	if r.WritesPerMinute > 0 {
		writes = r.WritesPerMinute
	}
	return reads, writes
}

func (v *checker) rateLimit(r RateLimit, registryType string) {
	if r.ReadsPerMinute < 0 {
		v.add("rateLimit.readsPerMinute", "must not be negative (0 means unpaced until the registry answers 429)")
	}
	if r.WritesPerMinute < 0 {
		v.add("rateLimit.writesPerMinute", "must not be negative (0 means unpaced until the registry answers 429)")
	}
	switch {
	case r.SKU == "":
	case registryType != "acr":
		v.add("rateLimit.sku", "only for registry.type acr; for %s set readsPerMinute and writesPerMinute", registryType)
	case !slices.Contains(ACRSKUs(), strings.ToLower(r.SKU)):
		v.add("rateLimit.sku", "%s is not one of basic, standard, premium", v.m.show("rateLimit.sku", r.SKU))
	}
}
