package server

import (
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/prsweep/prsweep/internal/config"
	"github.com/prsweep/prsweep/internal/scm"
)

// The Azure DevOps service-hook event prsweep acts on, and the pull-request
// statuses worth a sweep (api-notes §4.5). git.pullrequest.merged fires on merge
// attempts while the pull request is still active: it is ignored.
const adoEventUpdated = "git.pullrequest.updated"

// adoClosed reports whether a GitPullRequest status ends the pull request.
func adoClosed(status string) bool { return status == "completed" || status == "abandoned" }

// adoEvent is the part of a service-hook delivery prsweep reads.
type adoEvent struct {
	ID                 string          `json:"id"` // the event's id: the same on every delivery of it
	SubscriptionID     string          `json:"subscriptionId"`
	NotificationID     json.Number     `json:"notificationId"`
	EventType          string          `json:"eventType"`
	Resource           json.RawMessage `json:"resource"`
	ResourceContainers struct {
		Project struct {
			ID string `json:"id"`
		} `json:"project"`
	} `json:"resourceContainers"`
}

// adoPullRequest is the event's resource, a GitPullRequest.
type adoPullRequest struct {
	PullRequestID json.Number `json:"pullRequestId"`
	Status        string      `json:"status"`
	Repository    struct {
		Project struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		} `json:"project"`
	} `json:"repository"`
}

// adoHint is what a delivery asks for.
type adoHint struct {
	delivery string // dedupe key; "" when the payload carries no id
	event    string
	status   string
	number   string // the pull request's id, canonical decimal
	projects []string
}

// errMalformed marks a payload that is not a service-hook event prsweep can read.
var errMalformed = errors.New("malformed service-hook payload")

// parseADO reads a delivery. A pull-request event must name a positive
// pullRequestId; other events are returned with only their type.
func parseADO(body []byte) (adoHint, error) {
	var ev adoEvent
	if err := json.Unmarshal(body, &ev); err != nil {
		return adoHint{}, fmt.Errorf("%w: %w", errMalformed, err)
	}
	if ev.EventType == "" {
		return adoHint{}, fmt.Errorf("%w: no eventType", errMalformed)
	}
	h := adoHint{event: ev.EventType, delivery: ev.ID}
	if h.delivery == "" && ev.SubscriptionID != "" && ev.NotificationID != "" {
		h.delivery = ev.SubscriptionID + "/" + ev.NotificationID.String()
	}
	if ev.EventType != adoEventUpdated {
		return h, nil
	}
	var pr adoPullRequest
	if len(ev.Resource) == 0 || string(ev.Resource) == "null" {
		return h, fmt.Errorf("%w: no resource", errMalformed)
	}
	if err := json.Unmarshal(ev.Resource, &pr); err != nil {
		return h, fmt.Errorf("%w: resource: %w", errMalformed, err)
	}
	n, err := strconv.ParseUint(pr.PullRequestID.String(), 10, 63)
	if err != nil || n == 0 {
		return h, fmt.Errorf("%w: resource.pullRequestId is not a pull-request id", errMalformed)
	}
	h.number, h.status = strconv.FormatUint(n, 10), pr.Status
	for _, p := range []string{pr.Repository.Project.Name, pr.Repository.Project.ID, ev.ResourceContainers.Project.ID} {
		if p != "" {
			h.projects = append(h.projects, p)
		}
	}
	return h, nil
}

// adoSource is an azuredevops source a delivery may be about.
type adoSource struct{ name, project string }

func adoSources(sources []config.Source) []adoSource {
	var out []adoSource
	for _, s := range sources {
		if s.Type == "azuredevops" {
			out = append(out, adoSource{s.Name, s.Project})
		}
	}
	return out
}

// refs returns the pull request the hint names, in each configured source of its
// project (matched by name, case-insensitively, or by id). Which source is asked
// does not matter for safety: the sweep reads the state from it, and deletes
// only on what it reads.
func (h adoHint) refs(sources []adoSource) []scm.Ref {
	var out []scm.Ref
	for _, s := range sources {
		for _, p := range h.projects {
			if strings.EqualFold(s.project, p) {
				out = append(out, scm.Ref{Source: s.name, Number: h.number})
				break
			}
		}
	}
	return out
}
