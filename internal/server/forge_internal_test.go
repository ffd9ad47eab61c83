package server

import (
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/scm"
)

func seed(f *testing.F, name string) {
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(b)
}

// checkHint is what every parsed closing delivery must satisfy: a canonical
// positive number and a repository path that is safe to log and to scope by.
func checkHint(t *testing.T, body []byte, repo, number string, segs int) {
	n, err := strconv.ParseUint(number, 10, 63)
	if err != nil || n == 0 || strconv.FormatUint(n, 10) != number {
		t.Fatalf("parsed number %q from %q", number, body)
	}
	if !validRepoPath(repo, 2, segs) || strings.ContainsAny(repo, " \n\"{}") {
		t.Fatalf("parsed repository %q from %q", repo, body)
	}
}

func FuzzParseGitHub(f *testing.F) {
	seed(f, "github-pull_request-closed.json")
	seed(f, "github-ping.json")
	f.Add([]byte(`{"action":"closed","number":"12","pull_request":{"number":12},"repository":{"full_name":"a/b"}}`))
	f.Add([]byte(`{"action":"closed","pull_request":{"number":7},"repository":{"full_name":"a/b/c"}}`))
	f.Add([]byte(`{"action":"opened","number":-1}`))
	f.Add([]byte(`[]`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := parseGitHub(body)
		if err != nil || h.action != ghActionClosed {
			return
		}
		checkHint(t, body, h.repo, h.number, 2)
	})
}

func FuzzParseGitLab(f *testing.F) {
	seed(f, "gitlab-merge_request-merge.json")
	f.Add([]byte(`{"object_kind":"merge_request","project":{"path_with_namespace":"g/s/p"},"object_attributes":{"iid":3,"action":"close","state":"closed"}}`))
	f.Add([]byte(`{"object_kind":"merge_request","project":{"path_with_namespace":"p"},"object_attributes":{"iid":"3","action":"merge","state":"merged"}}`))
	f.Add([]byte(`{"object_kind":"merge_request","object_attributes":{"action":"open","state":"opened"}}`))
	f.Add([]byte(`null`))
	f.Fuzz(func(t *testing.T, body []byte) {
		h, err := parseGitLab(body)
		if err != nil || !glClosing(h.action, h.state) {
			return
		}
		checkHint(t, body, h.repo, h.number, 21)
	})
}

// A delivery's refs follow the rules' repos: a literal one in its own spelling
// (paths ignore case), a template as delivered, none for a repository no rule
// reads; a static source takes the number alone.
func TestForgeRefs(t *testing.T) {
	cfg := &config.Config{
		Sources: []config.Source{{Name: "gh", Type: "github"}, {Name: "lab", Type: "gitlab"}, {Name: "offline", Type: "static"}},
		Rules: []config.Rule{
			{Source: "gh", Repo: "Octo-Org/Jarvis"},
			{Source: "gh", Repo: "octo-org/jarvis"}, // the same repository twice: one ref each spelling
			{Source: "lab", Repo: "octo-group/{name}"},
			{Source: "lab", Repo: "octo-group/platform/jarvis"},
		},
	}
	tests := []struct {
		endpoint, named, typ, repo string
		want                       []scm.Ref
	}{
		{"github", "", "github", "octo-org/JARVIS", []scm.Ref{{Source: "gh", Repo: "Octo-Org/Jarvis", Number: "7"}, {Source: "gh", Repo: "octo-org/jarvis", Number: "7"}}},
		{"github", "gh", "github", "octo-org/other", nil},
		{"gitlab", "", "gitlab", "octo-group/platform/jarvis", []scm.Ref{{Source: "lab", Repo: "octo-group/platform/jarvis", Number: "7"}}},
		{"gitlab", "lab", "gitlab", "elsewhere/app", []scm.Ref{{Source: "lab", Repo: "elsewhere/app", Number: "7"}}},
		{"github", "offline", "github", "octo-org/other", nil}, // no rule reads offline
	}
	for _, tt := range tests {
		h, err := newForgeHook(tt.endpoint, tt.named, tt.typ, cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.refs(tt.repo, "7", ""); !slices.Equal(got, tt.want) {
			t.Errorf("%s %s: refs %v, want %v", tt.endpoint, tt.repo, got, tt.want)
		}
	}
	cfg.Rules = append(cfg.Rules, config.Rule{Source: "offline"})
	h, _ := newForgeHook("github", "offline", "github", cfg)
	if got := h.refs("octo-org/other", "7", ""); !slices.Equal(got, []scm.Ref{{Source: "offline", Number: "7"}}) {
		t.Errorf("static: %v", got)
	}
	if _, err := newForgeHook("github", "lab", "github", cfg); err == nil {
		t.Error("a gitlab source for the github endpoint: no error")
	}
}

func TestValidRepoPath(t *testing.T) {
	for p, want := range map[string]bool{
		"octo-org/jarvis": true, "a/b.c_d-e": true, "a": false, "a/": false, "/a": false, "a//b": false,
		"a/..": false, "./a": false, "a/b c": false, "a/b\n": false, "a/é": false, "a/{name}": false,
	} {
		if got := validRepoPath(p, 2, 2); got != want {
			t.Errorf("validRepoPath(%q) = %v", p, got)
		}
	}
	if !validRepoPath("g/s/t/p", 2, 21) || validRepoPath("g/s/t/p", 2, 2) {
		t.Error("subgroups")
	}
}

func TestDeliveryID(t *testing.T) {
	for id, want := range map[string]string{
		"72d3162e-cc78-11e3-81ab-4c9367dc0958": "github:72d3162e-cc78-11e3-81ab-4c9367dc0958",
		"":                                     "",
		"a b":                                  "",
		"a\nb":                                 "",
		strings.Repeat("x", 129):               "",
	} {
		if got := deliveryID("github", id); got != want {
			t.Errorf("deliveryID(%q) = %q, want %q", id, got, want)
		}
	}
}

// A GitLab source or rule may name its project by numeric id: a delivery carries
// the project's id beside its path, and either name matches.
func TestGitLabHookMatchesAProjectByID(t *testing.T) {
	body, err := os.ReadFile("testdata/gitlab-merge_request-merge.json")
	if err != nil {
		t.Fatal(err)
	}
	hint, err := parseGitLab(body)
	if err != nil || hint.projectID != "42" || hint.repo != "octo-group/platform/jarvis" {
		t.Fatalf("parsed %+v, %v; want project 42, octo-group/platform/jarvis", hint, err)
	}
	for _, tt := range []struct {
		name    string
		project string
		rules   []config.Rule
		want    []scm.Ref
	}{
		{"source project by id", "42", []config.Rule{{Source: "lab"}}, []scm.Ref{{Source: "lab", Number: "7"}}},
		{"rule repo by id", "", []config.Rule{{Source: "lab", Repo: "42"}}, []scm.Ref{{Source: "lab", Repo: "42", Number: "7"}}},
		{"another project's id", "43", []config.Rule{{Source: "lab"}}, nil},
	} {
		cfg := &config.Config{Sources: []config.Source{{Name: "lab", Type: "gitlab", Project: tt.project}}, Rules: tt.rules}
		h, err := newForgeHook("gitlab", "", "gitlab", cfg)
		if err != nil {
			t.Fatal(err)
		}
		if got := h.refs(hint.repo, "7", hint.projectID); !slices.Equal(got, tt.want) {
			t.Errorf("%s: refs %v, want %v", tt.name, got, tt.want)
		}
	}
}
