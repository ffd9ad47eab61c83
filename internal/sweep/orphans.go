package sweep

import (
	"github.com/prsweep/prsweep/internal/audit"
	"github.com/prsweep/prsweep/internal/discover"
	"github.com/prsweep/prsweep/internal/plan"
)

// journal is what the audit log says earlier sweeps deleted: repository → digests.
// It lets a sweep find the signatures prsweep itself left behind (plan.Repo.Journaled).
type journal map[string]map[string]bool

// readJournal reads the audit log this sweep appends to (or the configured one, in a
// dry run). Without one, or when it cannot be read, no signature counts as an orphan:
// they stay, as before. A sweep for one pull request (a webhook's) deletes that pull
// request's tags only: it finds no orphans.
func (s *Sweeper) readJournal() journal {
	path := s.AuditPath
	if s.Audit != nil {
		path = s.Audit.Path()
	}
	if path == "" || s.Graph.KeepReferrers || s.only != nil {
		return nil
	}
	j, err := audit.Deleted(path, s.Host)
	if err != nil {
		s.logger().Warn("the audit log could not be read: signatures an earlier sweep left behind stay", "error", err)
		return nil
	}
	return j
}

// orphans reports whether the repository lists a signature or attestation tag of an
// image an earlier sweep deleted: then it is inspected even with no other deletion.
func (j journal) orphans(l discover.Repository) bool {
	deleted := j[l.Name]
	if len(deleted) == 0 {
		return false
	}
	for _, tag := range l.Tags {
		if d := plan.SubjectOfTag(tag); d != "" && deleted[d] {
			return true
		}
	}
	return false
}
