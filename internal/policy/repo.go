package policy

import "strings"

// RepoPlaceholders are what a rule's repo may hold, expanded per image repository:
// {repository} is its whole path (team/app), {name} its last element (app).
var RepoPlaceholders = []string{"{repository}", "{name}"}

// ExpandRepo returns a rule's repo for the image repository repository: each
// {repository} replaced by its path and each {name} by its last path element, as
// in contoso/{name}. A repo without placeholders is returned as it is.
func ExpandRepo(template, repository string) string {
	if !strings.Contains(template, "{") {
		return template
	}
	name := repository[strings.LastIndex(repository, "/")+1:]
	return strings.NewReplacer("{repository}", repository, "{name}", name).Replace(template)
}
