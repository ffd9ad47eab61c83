package cli

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

func newVersionCmd(e env) *cobra.Command {
	return &cobra.Command{
		Use:     "version",
		Short:   "Print prsweep's version, commit and Go version",
		Example: "  prsweep version",
		Args:    cobra.NoArgs,
		Run: func(*cobra.Command, []string) {
			version, commit, goVersion := "(devel)", "unknown", "unknown"
			if bi, ok := debug.ReadBuildInfo(); ok {
				goVersion = bi.GoVersion
				if v := bi.Main.Version; v != "" {
					version = v
				}
				for _, s := range bi.Settings {
					switch s.Key {
					case "vcs.revision":
						commit = s.Value
					case "vcs.modified":
						if s.Value == "true" {
							commit += " (modified)"
						}
					}
				}
			}
			fmt.Fprintf(e.stdout, "prsweep %s\ncommit %s\n%s\n", version, commit, goVersion)
		},
	}
}
