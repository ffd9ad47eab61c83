package deploytest

import (
	"bufio"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestREADMECopiesAreTheFiles: a fenced block in the README that starts with a
// file's own first line ("# deploy/…: …") is that file, whole and unchanged, so
// the README never shows a snippet that drifted from what the repository ships; and
// a block that names a file ("# .pipelines/x.yml") names one the repository has, so
// a whole file is never shown as a copy of nothing.
// And the README points users at each asset: the image command, the chart and each
// pipeline file.
func TestREADMECopiesAreTheFiles(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	copies := 0
	for _, block := range fencedBlocks(string(readme)) {
		first, _, _ := strings.Cut(block, "\n")
		path, ok := copiedPath(first)
		if !ok {
			continue
		}
		want, err := os.ReadFile(filepath.Join(root, path))
		if err != nil {
			t.Errorf("the README shows %s, which is not in the repository: make it a file there and include that", path)
			continue
		}
		copies++
		if block != string(want) {
			t.Errorf("the README's copy of %s differs from the file: include the file again", path)
		}
	}
	if copies == 0 {
		t.Error("the README includes none of the pipeline files")
	}
	named := []string{"deploy/helm/prsweep", "./cmd/prsweep-image"}
	for path := range pipelineFiles {
		named = append(named, path)
	}
	for _, path := range named {
		if !strings.Contains(string(readme), path) {
			t.Errorf("the README does not name %s", path)
		}
	}
}

// copiedPath reads "# deploy/pipelines/x.yml: …" as the path it names.
func copiedPath(first string) (string, bool) {
	rest, ok := strings.CutPrefix(first, "# ")
	if !ok {
		return "", false
	}
	path, _, _ := strings.Cut(rest, " ")
	path = strings.TrimSuffix(path, ":")
	return path, strings.Contains(path, "/") || strings.HasSuffix(path, ".yml") || strings.HasSuffix(path, ".yaml")
}

// fencedBlocks returns the contents of the README's ``` blocks, each ending in a
// newline.
func fencedBlocks(md string) []string {
	var blocks []string
	var cur *strings.Builder
	sc := bufio.NewScanner(strings.NewReader(md))
	for sc.Scan() {
		line := sc.Text()
		if strings.HasPrefix(line, "```") {
			if cur == nil {
				cur = &strings.Builder{}
			} else {
				blocks = append(blocks, cur.String())
				cur = nil
			}
			continue
		}
		if cur != nil {
			cur.WriteString(line + "\n")
		}
	}
	return blocks
}
