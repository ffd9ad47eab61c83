package config

import (
	"regexp"
	"time"

	"github.com/prsweep/prsweep/internal/scm"
)

// Config is one prsweep configuration file. Load or Parse it; code that builds one
// by hand calls SetDefaults and Validate before using it.
type Config struct {
	Registry    Registry  `yaml:"registry"`
	Sources     []Source  `yaml:"sources"`
	Rules       []Rule    `yaml:"rules"`
	Keep        []string  `yaml:"keep"`        // regexes on the tag; nil means the default ["^latest$"]
	Untagged    string    `yaml:"untagged"`    // keep | delete; default keep
	Referrers   string    `yaml:"referrers"`   // delete | keep: a deleted image's signatures and attestations; default delete
	Safety      Safety    `yaml:"safety"`      //
	Concurrency int       `yaml:"concurrency"` // requests in flight across the sweep, 1..64; 0 means the default 16
	RateLimit   RateLimit `yaml:"rateLimit"`   // pace under the registry's quota (ratelimit.go)
	Timeout     Duration  `yaml:"timeout"`     // whole-sweep deadline; 0 = none
	Audit       string    `yaml:"audit"`       // journal of deletions (JSON lines), relative to the config file
	HTTP        HTTP      `yaml:"http"`        // time-outs and retries of every request
	Serve       Serve     `yaml:"serve"`       // prsweep serve: listen address, schedule, webhooks (serve.go)

	keep []*regexp.Regexp // compiled by Validate
	meta *meta            // where values came from, for error messages
}

// Registry is the one registry a config sweeps.
type Registry struct {
	Type         string   `yaml:"type"`         // oci | acr | ghcr | gitlab; default oci
	URL          string   `yaml:"url"`          // host[:port][/] or http(s)://host[:port][/]
	Repositories []string `yaml:"repositories"` // path.Match globs; nil means ["*"]
	Insecure     bool     `yaml:"insecure"`     // allow http:// to a non-loopback host
	Username     string   `yaml:"username"`
	Password     Secret   `yaml:"password"`
	CAFile       string   `yaml:"caFile"` // PEM bundle; made relative to the config file's directory by Load
	// oci only: whether a tag DELETE is trusted to remove only the tag. prove (the
	// default, also when empty): once shown in each repository on a throwaway
	// manifest; trusted: the configuration vouches for it; off: never untag (retag
	// or delete by digest).
	Untag string `yaml:"untag"`

	// acr only: how prsweep signs in (see ACRAuth and validate_acr.go).
	Auth                      string `yaml:"auth"` // one of ACRAuths; inferred from the keys set when empty
	TenantID                  string `yaml:"tenantId"`
	ClientID                  string `yaml:"clientId"`
	ClientSecret              Secret `yaml:"clientSecret"`
	ClientSecretFile          string `yaml:"clientSecretFile"`          // read into ClientSecret by Load
	ClientCertificateFile     string `yaml:"clientCertificateFile"`     // PEM or PKCS#12 with the key; made relative by Load
	ClientCertificatePassword Secret `yaml:"clientCertificatePassword"` // for an encrypted PKCS#12 file
	ServiceConnectionID       string `yaml:"serviceConnectionId"`       // azurePipelines: the service connection's id
	SystemAccessToken         Secret `yaml:"systemAccessToken"`         // azurePipelines: ${SYSTEM_ACCESSTOKEN}
	FederatedTokenFile        string `yaml:"federatedTokenFile"`        // workloadIdentity; default $AZURE_FEDERATED_TOKEN_FILE
	AuthorityHost             string `yaml:"authorityHost"`             // e.g. https://login.microsoftonline.us/
	Audience                  string `yaml:"audience"`                  // Entra audience of ACR; default https://containerregistry.azure.net

	// ghcr and gitlab: the forge's API, whose token also signs in to the registry.
	API       string `yaml:"api"`       // ghcr: https://api.github.com (GHES https://HOST/api/v3); gitlab: https://gitlab.com
	Owner     string `yaml:"owner"`     // ghcr: the user or organisation owning the container packages
	Project   string `yaml:"project"`   // gitlab: group/project (or its numeric id) whose registry is swept
	Group     string `yaml:"group"`     // gitlab: a group, every project's repositories under it
	Token     Secret `yaml:"token"`     // ghcr: read:packages, delete:packages; gitlab: api
	TokenFile string `yaml:"tokenFile"` // read into Token by Load

	clientSecretFromFile bool
	tokenFromFile        bool
}

// Source is a place where pull requests live; rules name one.
type Source struct {
	Name      string            `yaml:"name"`
	Type      string            `yaml:"type"` // azuredevops | github | gitlab | static
	URL       string            `yaml:"url"`
	Project   string            `yaml:"project"`
	Token     Secret            `yaml:"token"`
	TokenFile string            `yaml:"tokenFile"` // read into Token by Load
	TokenType string            `yaml:"tokenType"` // azuredevops: auto | pat | bearer (default auto); gitlab: private | job (default private)
	States    map[string]string `yaml:"states"`    // static: PR number → state
	File      string            `yaml:"file"`      // static: YAML file with such a map; read into States by Load
	// github as a GitHub App instead of a token: the app's id, the installation's id
	// and the app's private key (PEM), made relative to the config file by Load.
	AppID          int64  `yaml:"appId"`
	InstallationID int64  `yaml:"installationId"`
	PrivateKeyFile string `yaml:"privateKeyFile"`
	// CAFile is an extra CA bundle (PEM) for a source with a private CA (GHES,
	// self-managed GitLab, Azure DevOps Server); made relative by Load.
	CAFile string `yaml:"caFile"`

	tokenFromFile  bool
	statesFromFile bool
}

// Rule says which tags belong to pull requests and when they go.
type Rule struct {
	Repositories []string `yaml:"repositories"` // path.Match globs; nil means ["*"]
	Tags         string   `yaml:"tags"`         // RE2 regex with a named group pr
	Source       string   `yaml:"source"`       // a Source.Name
	Repo         string   `yaml:"repo"`         // github owner/name, gitlab group/project
	Delete       []string `yaml:"delete"`       // states; nil means [merged, closed]
	After        Duration `yaml:"after"`        // grace period after the PR closed
	MinAge       Duration `yaml:"minAge"`       // the image must be at least this old to go

	tags *regexp.Regexp // compiled by Validate
}

// Safety holds the limits that stop a sweep before it deletes anything.
type Safety struct {
	MaxDeletions        int           `yaml:"maxDeletions"`        // >0: delete nothing when a plan deletes more tags; 0 = no limit
	MaxDeletionsPercent float64       `yaml:"maxDeletionsPercent"` // >0: likewise, as a percentage of the tags seen
	PerRepository       SafetyPerRepo `yaml:"perRepository"`       // the same limits for each repository
}

// HTTP tunes every request prsweep sends, to the registry and to the sources.
type HTTP struct {
	Timeout       Duration `yaml:"timeout"`       // per attempt, body included, every request; 0: 10s for reads, 60s for writes
	Attempts      int      `yaml:"attempts"`      // tries per request, the first included; default 5 (10 with type acr)
	MaxRetryAfter Duration `yaml:"maxRetryAfter"` // longest Retry-After honoured; longer gives up; default 2m
}

// SafetyPerRepo holds the limits applied to each repository on its own.
type SafetyPerRepo struct {
	MaxDeletions        int     `yaml:"maxDeletions"`
	MaxDeletionsPercent float64 `yaml:"maxDeletionsPercent"`
}

// Defaults.
const (
	DefaultConcurrency = 16 // at 8, a sweep of 10 ms requests cannot reach a tenth of the sequential script's time (issue 12)
	DefaultKeep        = "^latest$"
	DefaultTokenType   = "auto"
	UntaggedKeep       = "keep"
	UntaggedDelete     = "delete"
	ReferrersDelete    = "delete"
	ReferrersKeep      = "keep"
	UntagProve         = "prove"
	UntagTrusted       = "trusted"
	UntagOff           = "off"
)

// SetDefaults fills what the file left out. A nil list is "left out"; an empty one
// is not, so `keep: []` keeps no extra tags. Load and Parse call it.
func (c *Config) SetDefaults() {
	if c.Registry.Type == "" {
		c.Registry.Type = "oci"
	}
	if c.Registry.Repositories == nil {
		c.Registry.Repositories = []string{"*"}
	}
	for i := range c.Sources {
		if c.Sources[i].Type == "azuredevops" && c.Sources[i].TokenType == "" {
			c.Sources[i].TokenType = DefaultTokenType
		}
	}
	for i := range c.Rules {
		r := &c.Rules[i]
		if r.Repositories == nil {
			r.Repositories = []string{"*"}
		}
		if r.Delete == nil {
			r.Delete = []string{string(scm.Merged), string(scm.Closed)}
		}
	}
	if c.Keep == nil {
		c.Keep = []string{DefaultKeep}
	}
	if c.Untagged == "" {
		c.Untagged = UntaggedKeep
	}
	if c.Referrers == "" {
		c.Referrers = ReferrersDelete
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.HTTP.Attempts == 0 {
		c.HTTP.Attempts = 5
		if c.Registry.Type == "acr" {
			// ACR throttles per minute: give a 429 streak room to pass (see registry/acr).
			c.HTTP.Attempts = 10
		}
	}
	if c.HTTP.MaxRetryAfter == 0 {
		c.HTTP.MaxRetryAfter = Duration(2 * time.Minute)
	}
}

// KeepPatterns returns the compiled keep patterns. On a config Validate has not
// passed, a pattern that does not compile stands as one that matches every tag, so
// a broken keep list keeps everything rather than nothing.
func (c Config) KeepPatterns() []*regexp.Regexp {
	if len(c.keep) == len(c.Keep) {
		return c.keep
	}
	out := make([]*regexp.Regexp, 0, len(c.Keep))
	for _, k := range c.Keep {
		re, err := regexp.Compile(k)
		if err != nil {
			re = regexp.MustCompile("")
		}
		out = append(out, re)
	}
	return out
}

// Source returns the source with the given name.
func (c Config) Source(name string) (Source, bool) {
	for _, s := range c.Sources {
		if s.Name == name {
			return s, true
		}
	}
	return Source{}, false
}

// TagPattern returns the compiled tags regex, or nil when it does not compile.
func (r Rule) TagPattern() *regexp.Regexp {
	if r.tags != nil {
		return r.tags
	}
	re, err := regexp.Compile(r.Tags)
	if err != nil {
		return nil
	}
	return re
}

// DeleteStates returns the states after which the rule deletes a tag. Unknown is
// never among them, whatever Delete says, and neither is a name that is not a state.
func (r Rule) DeleteStates() []scm.State {
	out := make([]scm.State, 0, len(r.Delete))
	for _, d := range r.Delete {
		if st, ok := scm.ParseState(d); ok && st != scm.Unknown {
			out = append(out, st)
		}
	}
	return out
}

// Scheme returns "https" or "http": the URL's own scheme when it has one, else http
// for a loopback host and https for any other. It is "" when the URL is not valid.
func (r Registry) Scheme() string {
	u, err := parseRegistryURL(r.URL)
	if err != nil {
		return ""
	}
	return u.scheme
}

// Host returns the URL's host[:port], without scheme or slash; "" when not valid.
func (r Registry) Host() string {
	u, err := parseRegistryURL(r.URL)
	if err != nil {
		return ""
	}
	return u.host
}
