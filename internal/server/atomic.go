package server

import (
	"os"
	"path/filepath"
)

// atomicFile is a file on its way into dir: written to a temporary file there,
// then synced and renamed into place by commit, so that a reader, or a restart
// after a crash, sees the old file or the new one, never part of one (what a
// crash leaves starts with ".tmp-", which openHistory removes). A sweep's report
// streams into one before the sweep has the id that names it.
type atomicFile struct {
	dir string
	f   *os.File // nil once committed or discarded, or when it could not be created
	err error    // the first failure: commit returns it and renames nothing
}

// createAtomic starts a file for dir; what is named after ".tmp-" is only a hint
// to whoever lists the directory.
func createAtomic(dir, hint string) *atomicFile {
	f, err := os.CreateTemp(dir, ".tmp-"+hint+"-*")
	return &atomicFile{dir: dir, f: f, err: err}
}

// Write writes to the temporary file; after a failure it writes nothing more.
func (a *atomicFile) Write(p []byte) (int, error) {
	if a.err != nil {
		return 0, a.err
	}
	n, err := a.f.Write(p)
	a.err = err
	return n, err
}

// commit renames what was written to dir/name, or removes it and returns the
// first failure.
func (a *atomicFile) commit(name string) error {
	if a.f == nil {
		return a.err
	}
	tmp := a.f.Name()
	err := a.err
	if err == nil {
		err = a.f.Sync()
	}
	if cerr := a.f.Close(); err == nil {
		err = cerr
	}
	a.f = nil
	if err == nil {
		err = os.Rename(tmp, filepath.Join(a.dir, name))
	}
	if err != nil {
		_ = os.Remove(tmp)
		a.err = err
		return err
	}
	if d, err := os.Open(a.dir); err == nil { // the rename itself, on a crash
		_ = d.Sync()
		_ = d.Close()
	}
	return nil
}

// discard removes what was written: a report that failed is not kept in part.
func (a *atomicFile) discard() {
	if a.f == nil {
		return
	}
	_ = a.f.Close()
	_ = os.Remove(a.f.Name())
	a.f = nil
}

// writeAtomic writes data to dir/name through an atomicFile.
func writeAtomic(dir, name string, data []byte) error {
	a := createAtomic(dir, name)
	_, _ = a.Write(data) // a failure waits for commit
	return a.commit(name)
}
