package bench

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// Options configure a benchmark run.
type Options struct {
	Params
	Registry    string        // RegistryV3, Registry28, RegistryACR or RegistryMemory
	Latency     time.Duration // added to every request, registry and source alike
	Quota       Quota         // the registry's; ACR without one gets Standard's
	Faults      Faults        // injected into the registry's and the source's requests; none when zero
	SKU         string        // rateLimit.sku of prsweep's configuration; "" leaves it out
	Concurrency int           // prsweep's concurrency; 0 leaves the default
	DryRun      bool
	PlanApply   bool     // prsweep runs `plan --out FILE` and then `apply FILE` instead of `run`
	ExtraYAML   string   // appended to prsweep's configuration
	Algorithms  []string // AlgoPrsweep, AlgoOriginal; default both
	LogLevel    string   // of the sweeps' logs; default warn
	Output      string   // prsweep's --output: text (default), json or markdown
	HeapFile    string   // where prsweep's sweep writes a heap profile near its peak; "": none
	Runner      Runner   // default RunInProcess
	Progress    io.Writer
}

// TagPattern is the rule's tags pattern, the original script's.
const TagPattern = `^PR(?P<pr>\d+)-`

func (o Options) withDefaults() Options {
	if len(o.Algorithms) == 0 {
		o.Algorithms = []string{AlgoPrsweep, AlgoOriginal}
	}
	if o.LogLevel == "" {
		o.LogLevel = "warn"
	}
	if o.Runner == nil {
		o.Runner = RunInProcess
	}
	o.Algorithms = forgeAlgorithms(o.Registry, o.Algorithms)
	if o.Progress == nil {
		o.Progress = io.Discard
	}
	if o.Registry == RegistryACR && !o.Quota.active() {
		o.Quota, _ = SKUQuota("standard")
	}
	return o
}

// Report is what a run measured.
type Report struct {
	Options  Options   `json:"-"`
	Tags     int       `json:"tags"`
	PRTags   int       `json:"prTags"`
	PRs      int       `json:"prs"` // distinct pull requests
	Expected Expected  `json:"-"`
	Minimal  Minimal   `json:"minimal"`
	Runs     []Figures `json:"runs"`
}

// Figures are one sweep's.
type Figures struct {
	Algorithm string        `json:"algorithm"`
	Seeding   time.Duration `json:"seeding"`
	Result    JobResult     `json:"result"`
	Registry  Counts        `json:"registry"`
	Source    Counts        `json:"source"`
	Authority Counts        `json:"authority"`
	Outcome   Outcome       `json:"outcome"`
	Unknown   []string      `json:"unknown,omitempty"` // requests a fake did not know
}

// Correct reports whether the sweep left the registry as expected and met no
// request the fakes did not know.
func (f Figures) Correct() bool { return f.Outcome.OK() && len(f.Unknown) == 0 && f.Result.Error == "" }

// Run generates the data set, computes its minimal count, and runs each
// algorithm on a freshly seeded registry.
func Run(ctx context.Context, o Options) (*Report, error) {
	o = o.withDefaults()
	ds, err := Generate(o.Params)
	if err != nil {
		return nil, err
	}
	rep := &Report{Options: o, Expected: Expect(ds, o.DryRun)}
	rep.Tags, rep.PRTags, rep.PRs = ds.Counts()
	method := map[string]string{RegistryV3: methodUntag, RegistryMemory: methodUntag, Registry28: methodDigest, RegistryACR: methodACR}[o.Registry]
	rep.Minimal = ComputeMinimal(ds, rep.Expected, method)
	if isForge(o.Registry) {
		rep.Minimal = forgeMinimal(ds, rep.Expected, o.Registry)
	}
	for _, alg := range o.Algorithms {
		f, err := runOne(ctx, o, ds, rep.Expected, alg)
		if err != nil {
			return rep, fmt.Errorf("%s on %s: %w", alg, o.Registry, err)
		}
		rep.Runs = append(rep.Runs, f)
	}
	return rep, nil
}

func runOne(ctx context.Context, o Options, ds *Dataset, e Expected, alg string) (Figures, error) {
	fmt.Fprintf(o.Progress, "prsweep-bench: seeding %s with %d×%d tags for %s\n", o.Registry, o.Repos, o.Tags, alg)
	start := time.Now()
	w, err := newWorld(ctx, o, ds)
	if err != nil {
		return Figures{}, err
	}
	defer w.close()
	dir, err := os.MkdirTemp("", "prsweep-bench-")
	if err != nil {
		return Figures{}, err
	}
	defer os.RemoveAll(dir)
	job, err := o.job(w, alg, dir)
	if err != nil {
		return Figures{}, err
	}
	f := Figures{Algorithm: alg, Seeding: time.Since(start)}
	fmt.Fprintf(o.Progress, "prsweep-bench: seeded in %s; running %s\n", f.Seeding.Round(time.Millisecond), alg)
	w.resetMeters()
	if f.Result, err = o.Runner(ctx, job, o.Progress); err != nil {
		return f, err
	}
	f.Registry, f.Source, f.Authority = w.registry.Snapshot(), w.source.Snapshot(), w.authority.Snapshot()
	fmt.Fprintf(o.Progress, "prsweep-bench: %s took %s; checking the registry\n", alg, f.Result.Wall.Round(time.Millisecond))
	f.Outcome = check(ctx, w.reader, e)
	f.Unknown = w.unknownRequests()
	return f, nil
}

// job describes the sweep of alg against w; files go to dir.
func (o Options) job(w *world, alg, dir string) (Job, error) {
	if w.forge != nil {
		return o.forgeJob(w, alg, dir)
	}
	j := Job{Algorithm: alg, DryRun: o.DryRun, PlanApply: o.PlanApply, LogLevel: o.LogLevel, Output: o.Output, Original: OriginalJob{
		Registry: o.Registry, RegistryURL: "http://" + w.regHost, DeleteByDigest: o.Registry == Registry28,
		SourceURL: w.srcURL, Project: adoProject, Token: adoToken, TagPattern: TagPattern, DryRun: o.DryRun,
	}}
	if alg == AlgoPrsweep {
		j.HeapFile = o.HeapFile
	}
	write := func(name, content string) (string, error) {
		path := filepath.Join(dir, name)
		return path, os.WriteFile(path, []byte(content), 0o600)
	}
	tokenFile, err := write("ado-token", adoToken)
	if err != nil {
		return j, err
	}
	var reg string
	if w.acr != nil {
		caFile, err := write("acr-ca.pem", string(w.acr.CertPEM()))
		if err != nil {
			return j, err
		}
		secretFile, err := write("acr-secret", acrSecret)
		if err != nil {
			return j, err
		}
		j.Original.ACR = ACRLogin{Host: w.regHost, CAPEM: string(w.acr.CertPEM()), Authority: w.acr.AuthorityHost(),
			Tenant: acrTenant, ClientID: acrClientID, Secret: acrSecret}
		reg = fmt.Sprintf("  type: acr\n  url: %s\n  caFile: %s\n  tenantId: %s\n  clientId: %s\n  clientSecretFile: %s\n  authorityHost: %s\n",
			w.regHost, caFile, acrTenant, acrClientID, secretFile, w.acr.AuthorityHost())
	} else {
		reg = fmt.Sprintf("  url: http://%s\n", w.regHost)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "registry:\n%ssources:\n  - name: ado\n    type: azuredevops\n    url: %s\n    project: %s\n    tokenFile: %s\n", reg, w.srcURL, adoProject, tokenFile)
	fmt.Fprintf(&b, "rules:\n  - tags: '%s'\n    source: ado\n", TagPattern)
	if o.Concurrency > 0 {
		fmt.Fprintf(&b, "concurrency: %d\n", o.Concurrency)
	}
	if o.SKU != "" {
		fmt.Fprintf(&b, "rateLimit:\n  sku: %s\n", o.SKU)
	}
	if o.ExtraYAML != "" {
		b.WriteString(strings.TrimSuffix(o.ExtraYAML, "\n") + "\n")
	}
	j.ConfigFile, err = write("prsweep.yaml", b.String())
	return j, err
}
