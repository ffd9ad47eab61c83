package bench

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"
	"time"
)

var registryNames = map[string]string{
	RegistryV3:     "distribution v3 (in-process; deletes a tag alone)",
	Registry28:     "distribution 2.8 (Debian docker-registry; deletes only manifests)",
	RegistryACR:    "ACR fake (type acr, in front of distribution v3)",
	RegistryMemory: "memory registry (registrytest.Memory; deletes a tag alone)",
	RegistryGHCR:   "GHCR fake (type ghcr: Packages API + OCI, in front of distribution v3), GitHub fake as source",
	RegistryGitLab: "GitLab registry fake (type gitlab, in front of distribution v3), GitLab merge-request fake as source",
}

// Write prints the report as a table, one column per algorithm and one for the
// minimal count.
func (r *Report) Write(w io.Writer) error {
	o := r.Options
	fmt.Fprintf(w, "registry:  %s\n", registryNames[o.Registry])
	fmt.Fprintf(w, "data:      %d repositories × %d tags (seed %d): %d tags, %d PR tags, %d distinct PRs; %d tags to delete (%d signature tags)\n",
		o.Repos, o.Tags, o.Seed, r.Tags, r.PRTags, r.PRs, r.Expected.Deleted, r.Expected.Sigs)
	fmt.Fprintf(w, "network:   %s per request; registry quota: %s\n", o.Latency, quotaText(o.Quota))
	if f := o.Faults; f.active() {
		fmt.Fprintf(w, "faults:    %.1f%% of requests held %s, %.1f%% answered 500, 503 or 429 (registry and source)\n",
			100*f.Held, f.HoldFor, 100*f.Errors)
	}
	fmt.Fprintf(w, "prsweep:   %s\n\n", settingsText(o))

	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	row := func(label string, cells ...string) {
		fmt.Fprintf(tw, "%s\t%s\t\n", label, strings.Join(cells, "\t"))
	}
	head := []string{}
	for _, f := range r.Runs {
		head = append(head, f.Algorithm)
	}
	row("", append(head, "minimal")...)
	each := func(label string, cell func(Figures) string, minimal string) {
		var cells []string
		for _, f := range r.Runs {
			cells = append(cells, cell(f))
		}
		row(label, append(cells, minimal)...)
	}
	each("wall", func(f Figures) string { return seconds(f.Result.Wall) }, floorText(r))
	minTotal := r.Minimal.Total()
	each("registry requests", func(f Figures) string { return fmt.Sprint(f.Registry.Total) }, fmt.Sprint(minTotal))
	each("  × minimal", func(f Figures) string { return ratio(f.Registry.Total, minTotal) }, "1.00")
	for _, k := range kinds(r) {
		each("  "+k, func(f Figures) string { return count(f.Registry.ByKind[k]) }, count(r.Minimal.Registry[k]))
	}
	each("429 answers", func(f Figures) string { return fmt.Sprint(f.Registry.Throttled) }, "0")
	if o.Faults.active() {
		each("5xx answers", func(f Figures) string { return count(f.Registry.Statuses["5xx"]) }, "")
		each("held by a fault", func(f Figures) string { return count(f.Registry.Held + f.Source.Held) }, "")
	}
	each("peak requests in flight", func(f Figures) string { return fmt.Sprint(f.Registry.PeakFlight) }, "")
	each("source requests (PR GET)", func(f Figures) string { return fmt.Sprint(f.Source.Total) }, fmt.Sprint(r.Minimal.Source))
	each("  distinct PRs read", func(f Figures) string { return fmt.Sprint(f.Source.DistinctPR) }, fmt.Sprint(r.PRs))
	if o.Registry == RegistryACR {
		each("entra requests", func(f Figures) string { return fmt.Sprint(f.Authority.Total) }, fmt.Sprint(r.Minimal.Authority))
	}
	each("peak heap", func(f Figures) string { return mb(uint64(f.Result.PeakHeap)) }, "")
	each("peak Go runtime memory", func(f Figures) string { return mb(f.Result.PeakTotal) }, "")
	each("max RSS", func(f Figures) string { return mb(uint64(f.Result.MaxRSS)) }, "")
	each("deleted/kept/failed", func(f Figures) string {
		return fmt.Sprintf("%d/%d/%d", f.Result.Deleted, f.Result.Preserved, f.Result.Failed)
	}, "")
	each("registry afterwards", func(f Figures) string { return verdict(f) }, "")
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, f := range r.Runs {
		details(w, f)
	}
	if len(r.Runs) > 0 && r.Runs[0].Result.InProcess {
		fmt.Fprintln(w, "\nmemory: the sweeps ran in this process, so heap and RSS include the harness and the registry")
	}
	return nil
}

func details(w io.Writer, f Figures) {
	fmt.Fprintf(w, "\n%s: seeding took %s; time the registry spent answering, by kind: %s\n",
		f.Algorithm, seconds(f.Seeding), upstreamText(f.Registry))
	if f.Result.Error != "" {
		fmt.Fprintf(w, "%s: error: %s\n", f.Algorithm, f.Result.Error)
	}
	for _, list := range []struct {
		what  string
		items []string
	}{{"kept tags gone or moved", f.Outcome.Wrong}, {"tags left that should be gone", f.Outcome.Missed},
		{"children of kept indexes missing", f.Outcome.Broken}, {"requests the fakes did not know", f.Unknown},
		{"of the failures reported", f.Result.FailedLines}} {
		if len(list.items) > 0 {
			fmt.Fprintf(w, "%s: %d %s: %s\n", f.Algorithm, len(list.items), list.what, firstFew(list.items))
		}
	}
	if f.Outcome.Err != "" {
		fmt.Fprintf(w, "%s: checking the registry: %s\n", f.Algorithm, f.Outcome.Err)
	}
}

// kinds lists the request kinds seen or in the minimal count, in report order.
func kinds(r *Report) []string {
	seen := map[string]bool{}
	for k := range r.Minimal.Registry {
		seen[k] = true
	}
	for _, f := range r.Runs {
		for k := range f.Registry.ByKind {
			seen[k] = true
		}
	}
	var out []string
	for _, k := range kindOrder {
		if seen[k] {
			out = append(out, k)
			delete(seen, k)
		}
	}
	return append(out, sortedKeys(seen)...)
}

func verdict(f Figures) string {
	switch {
	case f.Correct():
		return "as expected"
	case f.Outcome.Err != "" || f.Result.Error != "":
		return "ERROR"
	}
	var parts []string
	for _, p := range []struct {
		n    int
		what string
	}{{len(f.Outcome.Wrong), "wrongly deleted"}, {len(f.Outcome.Missed), "left behind"},
		{len(f.Outcome.Broken), "broken"}, {len(f.Unknown), "unknown requests"}} {
		if p.n > 0 {
			parts = append(parts, fmt.Sprintf("%d %s", p.n, p.what))
		}
	}
	return strings.Join(parts, ", ")
}

func upstreamText(c Counts) string {
	type kv struct {
		k string
		d time.Duration
	}
	var all []kv
	for k, d := range c.Upstream {
		all = append(all, kv{k, d})
	}
	slices.SortFunc(all, func(a, b kv) int { return int(b.d - a.d) })
	var parts []string
	for _, e := range all {
		parts = append(parts, fmt.Sprintf("%s %s", e.k, seconds(e.d)))
	}
	return strings.Join(parts, ", ")
}

func firstFew(items []string) string {
	const n = 5
	if len(items) <= n {
		return strings.Join(items, ", ")
	}
	return strings.Join(items[:n], ", ") + fmt.Sprintf(", … (%d more)", len(items)-n)
}

func quotaText(q Quota) string {
	if !q.active() {
		return "none"
	}
	burst := q.Burst
	if burst <= 0 {
		burst = time.Second
	}
	return fmt.Sprintf("%d reads and %d writes a minute (buckets hold %s of each; sign-in is free)", q.ReadsPerMinute, q.WritesPerMinute, burst)
}

func settingsText(o Options) string {
	var parts []string
	if o.Concurrency > 0 {
		parts = append(parts, fmt.Sprintf("concurrency %d", o.Concurrency))
	}
	if o.SKU != "" {
		parts = append(parts, "rateLimit.sku "+o.SKU)
	}
	if o.DryRun {
		parts = append(parts, "dry run")
	}
	if o.PlanApply {
		parts = append(parts, "plan, then apply")
	}
	if o.ExtraYAML != "" {
		parts = append(parts, "extra configuration: "+strings.ReplaceAll(strings.TrimSpace(o.ExtraYAML), "\n", "; "))
	}
	if len(parts) == 0 {
		return "the defaults"
	}
	return strings.Join(parts, ", ")
}

// floorText is the quota's floor for the minimal count: how long the minimal
// reads and writes take at the quota's rates, beyond what a full bucket holds.
func floorText(r *Report) string {
	q := r.Options.Quota
	if !q.active() {
		return ""
	}
	var reads, writes int
	for k, n := range r.Minimal.Registry {
		switch k {
		case KindToken:
		case KindManifestPut, KindManifestDelete, KindACRTagDelete, KindBlob:
			writes += n
		default:
			reads += n
		}
	}
	burst := q.Burst
	if burst <= 0 {
		burst = time.Second
	}
	floor := func(n, perMinute int) float64 {
		if perMinute <= 0 {
			return 0
		}
		rate := float64(perMinute) / 60
		return max(0, float64(n)-max(1, rate*burst.Seconds())) / rate
	}
	return fmt.Sprintf("≥%.1fs (quota)", max(floor(reads, q.ReadsPerMinute), floor(writes, q.WritesPerMinute)))
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.1fs", d.Seconds()) }

func ratio(n, of int) string {
	if of == 0 {
		return "-"
	}
	return fmt.Sprintf("%.2f", float64(n)/float64(of))
}

func count(n int) string {
	if n == 0 {
		return "·"
	}
	return fmt.Sprint(n)
}

func mb(b uint64) string {
	if b == 0 {
		return "-"
	}
	return fmt.Sprintf("%.0f MB", float64(b)/(1<<20))
}
