package deploytest

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goccy/go-yaml"
)

// root is the repository's root, where the files users reference live.
const root = "../.."

// pipelineFiles are the CI files users copy or reference, with what each must hold.
var pipelineFiles = map[string]func(t *testing.T, doc map[string]any){
	"action.yml":                                    checkAction,
	"deploy/pipelines/github/prsweep.yml":           checkWorkflow,
	"deploy/pipelines/azure/prsweep.yml":            checkAzureTemplate,
	"deploy/pipelines/azure/azure-pipelines.yml":    checkAzurePipeline,
	"deploy/pipelines/azure/prsweep-acr.yml":        checkAzureOIDCPipeline,
	"deploy/pipelines/gitlab/prsweep.gitlab-ci.yml": checkGitLabTemplate,
	"deploy/pipelines/gitlab/.gitlab-ci.yml":        checkGitLabPipeline,
}

func TestPipelineFiles(t *testing.T) {
	for path, check := range pipelineFiles {
		t.Run(path, func(t *testing.T) {
			doc := readYAML(t, path)
			check(t, doc)
			walkCommands(doc, "", func(at, cmd string) {
				for _, why := range commandSecrets(cmd) {
					t.Errorf("%s%s: %s", path, at, why)
				}
			})
		})
	}
}

func readYAML(t *testing.T, path string) map[string]any {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, path))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.UnmarshalWithOptions(data, &doc, yaml.Strict()); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if !strings.HasPrefix(string(data), "# "+path+":") {
		t.Errorf("%s does not start with the comment '# %s:' (the README's copies are found by it)", path, path)
	}
	return doc
}

// get walks a decoded YAML tree down the keys of its maps.
func get(t *testing.T, v any, keys ...string) any {
	t.Helper()
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("at %q: not a map but %T", k, v)
		}
		if v, ok = m[k]; !ok {
			t.Fatalf("missing key %q (of %s)", k, strings.Join(keys, "."))
		}
	}
	return v
}

func str(t *testing.T, v any, keys ...string) string {
	t.Helper()
	s, ok := get(t, v, keys...).(string)
	if !ok {
		t.Fatalf("%s is not a string", strings.Join(keys, "."))
	}
	return s
}

func list(t *testing.T, v any, keys ...string) []any {
	t.Helper()
	l, ok := get(t, v, keys...).([]any)
	if !ok {
		t.Fatalf("%s is not a list", strings.Join(keys, "."))
	}
	return l
}

// find returns the map in items whose key k is value.
func find(t *testing.T, items []any, k, value string) map[string]any {
	t.Helper()
	for _, it := range items {
		if m, ok := it.(map[string]any); ok && m[k] == value {
			return m
		}
	}
	t.Fatalf("no item with %s: %s", k, value)
	return nil
}

func checkAction(t *testing.T, doc map[string]any) {
	for _, in := range []string{"config", "dry-run", "version"} {
		get(t, doc, "inputs", in, "description")
	}
	if got := str(t, doc, "runs", "using"); got != "composite" {
		t.Errorf("runs.using %q, want composite", got)
	}
	get(t, doc, "outputs", "exit-code", "value")
	sweep := find(t, list(t, doc, "runs", "steps"), "id", "sweep")
	run := str(t, sweep, "run")
	for _, want := range []string{`run --output markdown`, `>> "$GITHUB_STEP_SUMMARY"`, `exit "$rc"`, "exit-code=$rc"} {
		if !strings.Contains(run, want) {
			t.Errorf("the sweep step does not %q:\n%s", want, run)
		}
	}
	env := get(t, sweep, "env")
	if str(t, env, "PRSWEEP_CONFIG") != "${{ inputs.config }}" || str(t, env, "PRSWEEP_DRY_RUN") != "${{ inputs.dry-run }}" {
		t.Errorf("the sweep step's env %v does not pass config and dry-run", env)
	}
	for _, s := range list(t, doc, "runs", "steps") {
		if m := s.(map[string]any); m["run"] != nil && m["shell"] == nil {
			t.Errorf("a composite run step without shell: %v", m)
		}
	}
}

func checkWorkflow(t *testing.T, doc map[string]any) {
	on := get(t, doc, "on")
	if cron := str(t, list(t, on, "schedule")[0], "cron"); cron != "0 23 * * *" {
		t.Errorf("schedule %q, want nightly at 23:00", cron)
	}
	if types := list(t, on, "pull_request", "types"); !slices.Contains(types, any("closed")) {
		t.Errorf("pull_request types %v, want closed", types)
	}
	perms, ok := get(t, doc, "permissions").(map[string]any)
	want := map[string]any{"contents": "read", "packages": "write", "pull-requests": "read"}
	if !ok || len(perms) != len(want) {
		t.Errorf("permissions %v, want exactly %v", perms, want)
	}
	for k, v := range want {
		if perms[k] != v {
			t.Errorf("permissions.%s = %v, want %v", k, perms[k], v)
		}
	}
	for name, job := range get(t, doc, "jobs").(map[string]any) {
		if _, ok := job.(map[string]any)["permissions"]; ok {
			t.Errorf("job %s widens the permissions", name)
		}
		for _, s := range list(t, job, "steps") {
			if uses, _ := s.(map[string]any)["uses"].(string); strings.HasPrefix(uses, "prsweep/prsweep@") {
				return
			}
		}
	}
	t.Error("no job uses prsweep/prsweep@")
}

func checkAzureTemplate(t *testing.T, doc map[string]any) {
	params := list(t, doc, "parameters")
	for _, p := range []string{"azureSubscription", "config", "dryRun", "version"} {
		find(t, params, "name", p)
	}
	task := find(t, list(t, doc, "steps"), "task", "AzureCLI@2")
	if got := str(t, task, "inputs", "azureSubscription"); got != "${{ parameters.azureSubscription }}" {
		t.Errorf("AzureCLI@2 azureSubscription %q", got)
	}
	script := str(t, task, "inputs", "inlineScript")
	for _, want := range []string{`run --output markdown > "$(Agent.TempDirectory)/prsweep.md"`, "##vso[task.uploadsummary]$(Agent.TempDirectory)/prsweep.md", `exit "$rc"`} {
		if !strings.Contains(script, want) {
			t.Errorf("the sweep script does not %q:\n%s", want, script)
		}
	}
	if got := str(t, task, "env", "SYSTEM_ACCESSTOKEN"); got != "$(System.AccessToken)" {
		t.Errorf("SYSTEM_ACCESSTOKEN %q, want the job token through env", got)
	}
}

func checkAzurePipeline(t *testing.T, doc map[string]any) {
	if cron := str(t, list(t, doc, "schedules")[0], "cron"); cron != "0 23 * * *" {
		t.Errorf("schedule %q, want 23:00", cron)
	}
	tmpl, repo, _ := strings.Cut(str(t, list(t, doc, "steps")[1], "template"), "@")
	if _, err := os.Stat(filepath.Join(root, tmpl)); err != nil {
		t.Errorf("the template %s is not in the repository: %v", tmpl, err)
	}
	r := find(t, list(t, doc, "resources", "repositories"), "repository", repo)
	if r["name"] != "prsweep/prsweep" {
		t.Errorf("template repository %v", r)
	}
	get(t, list(t, doc, "steps")[1], "parameters", "azureSubscription")
}

func checkGitLabTemplate(t *testing.T, doc map[string]any) {
	script := list(t, doc, ".prsweep", "script")
	joined := strings.Join(anyStrings(script), "\n")
	for _, want := range []string{"go install", "run --output markdown > prsweep.md", `exit "$rc"`} {
		if !strings.Contains(joined, want) {
			t.Errorf("the script does not %q: %s", want, joined)
		}
	}
	var ifs []string
	for _, r := range list(t, doc, "prsweep", "rules") {
		ifs = append(ifs, str(t, r, "if"))
	}
	for _, want := range []string{`$CI_PIPELINE_SOURCE == "schedule"`, `$CI_PIPELINE_SOURCE == "merge_request_event"`} {
		if !slices.Contains(ifs, want) {
			t.Errorf("rules %q lack %s", ifs, want)
		}
	}
	mr := find(t, list(t, doc, "prsweep", "rules"), "if", `$CI_PIPELINE_SOURCE == "merge_request_event"`)
	if str(t, mr, "variables", "PRSWEEP_DRY_RUN") != "true" {
		t.Error("a merge request pipeline must only dry-run: its merge request is still open")
	}
	if str(t, doc, "prsweep", "extends") != ".prsweep" {
		t.Error("prsweep does not extend .prsweep")
	}
}

func checkGitLabPipeline(t *testing.T, doc map[string]any) {
	remote := str(t, list(t, doc, "include")[0], "remote")
	const prefix = "https://raw.githubusercontent.com/prsweep/prsweep/"
	_, path, _ := strings.Cut(strings.TrimPrefix(remote, prefix), "/")
	if !strings.HasPrefix(remote, prefix) || path != "deploy/pipelines/gitlab/prsweep.gitlab-ci.yml" {
		t.Errorf("include %q, want the template in this repository", remote)
	}
}

func anyStrings(l []any) []string {
	var s []string
	for _, v := range l {
		if str, ok := v.(string); ok {
			s = append(s, str)
		}
	}
	return s
}
