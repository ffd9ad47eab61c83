package config

import (
	"net"
	"strconv"
	"strings"
	"time"

	"github.com/robfig/cron/v3"
)

// Serve configures `prsweep serve`. Every key is optional; a config that `run`
// reads may carry it unchanged.
type Serve struct {
	Listen   string   `yaml:"listen"`   // host:port the HTTP server listens on; "" = DefaultListen (ListenAddr)
	Schedule string   `yaml:"schedule"` // cron, 5 fields ("0 23 * * *"), or a descriptor (@daily, @every 6h); empty = no scheduled sweeps
	Webhooks Webhooks `yaml:"webhooks"` // the webhook endpoints; none unless configured
	Queue    int      `yaml:"queue"`    // webhook sweeps that may wait for their turn; 0 = DefaultQueue (QueueSize)
	// History is the directory where the status page's sweeps and their reports are
	// kept across restarts (relative to the config file); "" = in memory, no reports.
	History      string `yaml:"history"`
	HistoryLimit int    `yaml:"historyLimit"` // sweeps kept, the oldest pruned; 0 = DefaultHistoryLimit (HistorySize)
}

// Webhooks lists the webhook endpoints. A nil endpoint is not served; one that is
// set must carry credentials (Validate refuses it otherwise): none is ever open.
type Webhooks struct {
	AzureDevOps *WebhookAuth   `yaml:"azuredevops"` // POST /webhooks/azuredevops (service hook git.pullrequest.updated)
	GitHub      *GitHubWebhook `yaml:"github"`      // POST /webhooks/github (pull_request; webhook_forges.go)
	GitLab      *GitLabWebhook `yaml:"gitlab"`      // POST /webhooks/gitlab (Merge Request Hook)
}

// Any reports whether at least one endpoint is configured.
func (w Webhooks) Any() bool { return w.AzureDevOps != nil || w.GitHub != nil || w.GitLab != nil }

// WebhookAuth is how a sender proves itself: Basic (username and password) or a
// secret header (header and secret), one or the other.
type WebhookAuth struct {
	Username string `yaml:"username"`
	Password Secret `yaml:"password"`
	Header   string `yaml:"header"` // e.g. X-Prsweep-Token
	Secret   Secret `yaml:"secret"`
}

// Serve defaults.
const (
	DefaultListen = ":8080"
	DefaultQueue  = 16
	maxQueue      = 1024
	minEvery      = time.Minute

	DefaultHistoryLimit = 100
	maxHistoryLimit     = 10000
)

// Basic reports whether the endpoint authenticates with Basic credentials
// rather than a secret header.
func (w WebhookAuth) Basic() bool { return w.Username != "" || w.Password.IsSet() }

// ListenAddr returns Listen, or DefaultListen when it is empty.
func (s Serve) ListenAddr() string {
	if s.Listen == "" {
		return DefaultListen
	}
	return s.Listen
}

// QueueSize returns Queue, or DefaultQueue when it is 0.
func (s Serve) QueueSize() int {
	if s.Queue == 0 {
		return DefaultQueue
	}
	return s.Queue
}

// HistorySize returns HistoryLimit, or DefaultHistoryLimit when it is 0.
func (s Serve) HistorySize() int {
	if s.HistoryLimit == 0 {
		return DefaultHistoryLimit
	}
	return s.HistoryLimit
}

// Next returns the first scheduled time after t; ok is false when no schedule is
// configured (or, on a config Validate has not passed, when it does not parse).
// The zero time means the schedule never fires again.
func (s Serve) Next(t time.Time) (next time.Time, ok bool) {
	if s.Schedule == "" {
		return time.Time{}, false
	}
	sched, err := cron.ParseStandard(s.Schedule)
	if err != nil {
		return time.Time{}, false
	}
	return sched.Next(t), true
}

// CheckListen checks a listen address, host:port with an optional host ("" or
// a name or an IP address) and a port from 0 to 65535. Its error does not repeat
// the address.
func CheckListen(addr string) error {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return errorString("want host:port or :port, like :8080 or 127.0.0.1:8080")
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		return errorString("the port must be a number from 0 to 65535")
	}
	if host != "" && !validHostname(host) {
		return errorString("not a valid host")
	}
	return nil
}

type errorString string

func (e errorString) Error() string { return string(e) }

// serve expands the serve section.
func (x *expander) serve(s *Serve) {
	x.str("serve.listen", &s.Listen)
	x.str("serve.schedule", &s.Schedule)
	x.str("serve.history", &s.History)
	if w := s.Webhooks.AzureDevOps; w != nil {
		p := "serve.webhooks.azuredevops"
		x.str(p+".username", &w.Username)
		x.secret(p+".password", &w.Password)
		x.str(p+".header", &w.Header)
		x.secret(p+".secret", &w.Secret)
	}
	x.forgeHooks(&s.Webhooks)
}

// serve checks the serve section; sources are the configured sources.
func (v *checker) serve(s *Serve, sources []Source) {
	if s.Listen != "" {
		if err := CheckListen(s.Listen); err != nil {
			v.add("serve.listen", "%s: %v", v.m.show("serve.listen", s.Listen), err)
		}
	}
	if s.Queue < 0 || s.Queue > maxQueue {
		v.add("serve.queue", "%d is not between 1 and %d (0 means %d)", s.Queue, maxQueue, DefaultQueue)
	}
	if s.HistoryLimit < 0 || s.HistoryLimit > maxHistoryLimit {
		v.add("serve.historyLimit", "%d is not between 1 and %d (0 means %d)", s.HistoryLimit, maxHistoryLimit, DefaultHistoryLimit)
	}
	if s.Schedule != "" {
		v.schedule(s)
	}
	if w := s.Webhooks.AzureDevOps; w != nil {
		p := "serve.webhooks.azuredevops"
		v.webhookAuth(p, w)
		if !hasSourceType(sources, "azuredevops") {
			v.add(p, "no source of type azuredevops to read the pull requests from")
		}
	}
	v.forgeHooks(&s.Webhooks, sources)
}

func (v *checker) schedule(s *Serve) {
	const at = "serve.schedule"
	sched, err := cron.ParseStandard(s.Schedule)
	switch {
	case err != nil && v.m.fromEnv(at):
		v.add(at, "%s is not a cron schedule (5 fields, like \"0 23 * * *\", or @daily, @every 6h)", v.m.display(at, s.Schedule))
	case err != nil:
		v.add(at, "not a cron schedule (5 fields, like \"0 23 * * *\", or @daily, @every 6h): %v", err)
	default:
		if every, ok := sched.(cron.ConstantDelaySchedule); ok && every.Delay < minEvery {
			v.add(at, "@every %s is more often than once a minute", every.Delay)
		}
	}
}

func (v *checker) webhookAuth(p string, w *WebhookAuth) {
	basic, header := w.Basic(), w.Header != "" || w.Secret.IsSet()
	switch {
	case basic && header:
		v.add(p, "set username and password (Basic) or header and secret, not both")
	case basic:
		v.required(p+".username", w.Username, "the user name the service hook sends")
		v.required(p+".password", w.Password.Reveal(), "the password the service hook sends, like ${ADO_HOOK_PASSWORD}")
	case header:
		if v.required(p+".header", w.Header, "the name of the header that carries the secret, like X-Prsweep-Token") {
			switch {
			case !validHeaderName(w.Header):
				v.add(p+".header", "%s is not a valid header name", v.m.show(p+".header", w.Header))
			case strings.EqualFold(w.Header, "Authorization"):
				v.add(p+".header", "for Authorization, set username and password (Basic) instead")
			}
		}
		v.required(p+".secret", w.Secret.Reveal(), "the header's value, like ${ADO_HOOK_SECRET}")
	default:
		v.add(p, "no credentials: set username and password (Basic) or header and secret; a webhook endpoint is never open")
	}
}

// validHeaderName accepts an HTTP token (RFC 9110 §5.6.2).
func validHeaderName(s string) bool {
	for _, r := range s {
		if !(r < 0x7f && (r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || strings.ContainsRune("!#$%&'*+-.^_`|~", r))) {
			return false
		}
	}
	return s != ""
}

func hasSourceType(sources []Source, typ string) bool {
	for _, s := range sources {
		if s.Type == typ {
			return true
		}
	}
	return false
}
