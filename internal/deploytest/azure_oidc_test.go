package deploytest

import (
	"strings"
	"testing"
)

// checkAzureOIDCPipeline: the whole pipeline of the README's ACR section sweeps at
// 23:00, signs in through the service connection with no secret (the job token in
// env, prsweep's `auth: azurePipelines`), uploads the Markdown report and ends with
// prsweep's exit code.
func checkAzureOIDCPipeline(t *testing.T, doc map[string]any) {
	if cron := str(t, list(t, doc, "schedules")[0], "cron"); cron != "0 23 * * *" {
		t.Errorf("schedule %q, want 23:00", cron)
	}
	for _, k := range []string{"trigger", "pr"} {
		if v, _ := doc[k].(string); v != "none" {
			t.Errorf("%s: %v, want none: a push or a pull request must not sweep", k, doc[k])
		}
	}
	var sweep map[string]any
	for _, s := range list(t, doc, "steps") {
		if m, _ := s.(map[string]any); m != nil && strings.Contains(asString(m["script"]), " run ") {
			sweep = m
		}
	}
	if sweep == nil {
		t.Fatal("no step runs prsweep run")
	}
	script := str(t, sweep, "script")
	for _, want := range []string{"validate || exit $?", `run --output markdown > "$(Agent.TempDirectory)/prsweep.md" || rc=$?`, "##vso[task.uploadsummary]$(Agent.TempDirectory)/prsweep.md", `exit "$rc"`} {
		if !strings.Contains(script, want) {
			t.Errorf("the sweep script does not %q:\n%s", want, script)
		}
	}
	if got := str(t, sweep, "env", "SYSTEM_ACCESSTOKEN"); got != "$(System.AccessToken)" {
		t.Errorf("SYSTEM_ACCESSTOKEN %q, want the job token through env", got)
	}
	if got := str(t, sweep, "env", "PRSWEEP_CONFIG"); got != ".pipelines/prsweep-acr.yaml" {
		t.Errorf("PRSWEEP_CONFIG %q, want the copy of deploy/pipelines/azure/prsweep-acr.yaml the README names", got)
	}
}

func asString(v any) string {
	s, _ := v.(string)
	return s
}
