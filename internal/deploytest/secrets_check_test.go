package deploytest

import "testing"

func TestCommandSecrets(t *testing.T) {
	for cmd, bad := range map[string]bool{
		`prsweep run --output markdown > "$(Agent.TempDirectory)/prsweep.md" || rc=$?`: false,
		`"$(go env GOPATH)/bin/prsweep" version`:                                       false,
		`cat "$report" >> "$GITHUB_STEP_SUMMARY"`:                                      false,
		`go install "github.com/prsweep/prsweep/cmd/prsweep@${PRSWEEP_VERSION}"`:       false,
		`prsweep run --password ${{ secrets.REGISTRY_PASSWORD }}`:                      true,
		`prsweep run --config ${{ inputs.config }}`:                                    true,
		`prsweep run --password $(RegistryPassword)`:                                   true,
		`SYSTEM_ACCESSTOKEN=$(System.AccessToken) prsweep run`:                         true,
		`curl -H "PRIVATE-TOKEN: $CI_JOB_TOKEN" https://gitlab.com`:                    true,
		`prsweep run --token "${GITLAB_TOKEN}"`:                                        true,
		`az acr login --password $env:ACR_KEY`:                                         true,
	} {
		if got := len(commandSecrets(cmd)) > 0; got != bad {
			t.Errorf("commandSecrets(%q) flags it: %v, want %v", cmd, got, bad)
		}
	}
}

func TestWalkCommandsFindsEveryScript(t *testing.T) {
	doc := map[string]any{
		"jobs": map[string]any{"a": map[string]any{"steps": []any{
			map[string]any{"run": "one", "env": map[string]any{"T": "${{ secrets.T }}"}},
			map[string]any{"inputs": map[string]any{"inlineScript": "two"}},
		}}},
		".tmpl": map[string]any{"script": []any{"three", "four"}, "before_script": "five"},
	}
	var got []string
	walkCommands(doc, "", func(_, cmd string) { got = append(got, cmd) })
	if len(got) != 5 {
		t.Errorf("walkCommands found %q, want one, two, three, four and five (and not env)", got)
	}
}
