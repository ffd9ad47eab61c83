package progress

import "log/slog"

// Log writes one info line per repository with deletions, as its plan is made and
// as its deletions are carried out: progress where stderr is not a terminal. It
// satisfies sweep.Progress.
type Log struct{ Logger *slog.Logger }

// Selected does nothing: the sweep logs the repositories selected itself.
func (Log) Selected(int) {}

// Listed does nothing.
func (Log) Listed(string, int) {}

// Decided does nothing.
func (Log) Decided(string, int, []string) {}

// Planned logs a repository's planned deletions.
func (l Log) Planned(repo string, deletions int) {
	l.Logger.Info("repository planned", "repository", repo, "deletions", deletions)
}

// Applied logs a repository's deletions carried out.
func (l Log) Applied(repo string, planned, deleted int) {
	l.Logger.Info("repository swept", "repository", repo, "deleted", deleted, "planned", planned)
}
