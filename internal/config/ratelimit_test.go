package config

import (
	"strings"
	"testing"
	"time"
)

func TestRateLimitPerMinute(t *testing.T) {
	for _, tt := range []struct {
		name, src            string
		wantReads, wantWrite int
	}{
		{"none: unpaced until a 429", "registry: {url: r.example.com}" + acrRest, 0, 0},
		{"oci, both set", "registry: {url: r.example.com}\nrateLimit: {readsPerMinute: 600, writesPerMinute: 60}" + acrRest, 600, 60},
		{"acr basic", "registry: {type: acr, url: r.azurecr.io}\nrateLimit: {sku: basic}" + acrRest, 1000, 100},
		{"acr standard", "registry: {type: acr, url: r.azurecr.io}\nrateLimit: {sku: standard}" + acrRest, 3000, 500},
		{"acr premium, any case", "registry: {type: acr, url: r.azurecr.io}\nrateLimit: {sku: Premium}" + acrRest, 10000, 2000},
		{"a key set wins over the sku", "registry: {type: acr, url: r.azurecr.io}\nrateLimit: {sku: standard, writesPerMinute: 250}" + acrRest, 3000, 250},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reads, writes := mustParse(t, tt.src, nil).RateLimit.PerMinute()
			if reads != tt.wantReads || writes != tt.wantWrite {
				t.Errorf("reads %d, writes %d a minute; want %d, %d", reads, writes, tt.wantReads, tt.wantWrite)
			}
		})
	}
}

func TestRateLimitValidation(t *testing.T) {
	for _, tt := range []struct {
		name, src, path, msg string
		line                 int
	}{
		{"negative reads", "registry: {url: r.example.com}\nrateLimit:\n  readsPerMinute: -1\n", "rateLimit.readsPerMinute", "must not be negative", 3},
		{"negative writes", "registry: {url: r.example.com}\nrateLimit:\n  writesPerMinute: -5\n", "rateLimit.writesPerMinute", "must not be negative", 3},
		{"sku without acr", "registry: {url: r.example.com}\nrateLimit:\n  sku: standard\n", "rateLimit.sku", "only for registry.type acr", 3},
		{"unknown sku", "registry: {type: acr, url: r.azurecr.io}\nrateLimit:\n  sku: gold\n", "rateLimit.sku", `"gold" is not one of basic, standard, premium`, 3},
		{"not a number", "registry: {url: r.example.com}\nrateLimit:\n  readsPerMinute: lots\n", "rateLimit.readsPerMinute", "want a whole number", 3},
		{"unknown key", "registry: {url: r.example.com}\nrateLimit:\n  readsPerMinit: 5\n", "rateLimit", `did you mean "readsPerMinute"?`, 3},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse([]byte(tt.src+acrRest), "", mapEnv(nil))
			for _, e := range configErrors(t, err) {
				if e.Path == tt.path && strings.Contains(e.Msg, tt.msg) {
					if e.Line != tt.line {
						t.Errorf("%v: line %d, want %d", e, e.Line, tt.line)
					}
					return
				}
			}
			t.Fatalf("want %s: …%s…, got:\n%v", tt.path, tt.msg, err)
		})
	}
}

func TestHTTPTimeoutIsAnOverride(t *testing.T) {
	c := validConfig(t)
	if c.HTTP.Timeout != 0 {
		t.Errorf("http.timeout defaults to %s; want 0, which leaves each request kind its own", c.HTTP.Timeout)
	}
	c.HTTP.Timeout = Duration(500 * time.Millisecond)
	errs := configErrors(t, c.Validate())
	if len(errs) != 1 || errs[0].Path != "http.timeout" || !strings.Contains(errs[0].Msg, "shorter than a second") {
		t.Errorf("errors %v, want http.timeout: shorter than a second", errs)
	}
}
