package registry

import (
	"path"
	"strings"
)

// MatchRepository reports whether a repository name matches a glob of
// registry.repositories or a rule's repositories. The syntax is path.Match's, except
// that * also crosses "/": "*" is every repository, "team/*" everything under team
// (team/app/api too), "jarvis*" jarvis, jarvis_base and jarvisautomation.
func MatchRepository(glob, name string) bool {
	// path.Match's * stops at "/"; hide the slashes from it.
	const sep = "\x00"
	ok, err := path.Match(strings.ReplaceAll(glob, "/", sep), strings.ReplaceAll(name, "/", sep))
	return err == nil && ok
}
