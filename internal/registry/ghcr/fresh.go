package ghcr

import (
	"context"
	"sync"
)

// A digest deletion's guard reads the version's tags again just before its DELETE
// (a tag pushed onto it since the engine's listing would go with it). In a package
// whose versions fit in one page, one listing read serves every deletion waiting
// for it, instead of a GET of each version: a listing that starts after a deletion
// asked for it is at least as fresh as that version's own GET would be. Deletions
// arriving while a listing is in flight wait for the next one, which starts when
// that one ends and serves them all.

// relister coalesces the fresh listings of one package.
type relister struct {
	mu      sync.Mutex
	running *relisting // the listing in flight, nil when none
	pending *relisting // the next listing, waiting for running to end
}

type relisting struct {
	done chan struct{}
	vs   map[string]version // digest → version
	err  error
}

// freshVersions returns repo's versions by digest from a listing that started after
// this call: the next one, shared with the calls that wait for it.
func (c *Client) freshVersions(ctx context.Context, repo string) (map[string]version, error) {
	c.mu.Lock()
	r := c.relisters[repo]
	if r == nil {
		r = &relister{}
		c.relisters[repo] = r
	}
	c.mu.Unlock()

	r.mu.Lock()
	if b := r.pending; b != nil { // not started yet: it will start after this call
		r.mu.Unlock()
		select {
		case <-b.done:
			return b.vs, b.err
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	b := &relisting{done: make(chan struct{})}
	r.pending = b
	prev := r.running
	r.mu.Unlock()
	if prev != nil {
		<-prev.done // it started before this call: not fresh enough
	}
	r.mu.Lock()
	r.pending, r.running = nil, b
	r.mu.Unlock()
	vs, err := c.listVersions(ctx, repo)
	if err == nil {
		b.vs = make(map[string]version, len(vs))
		for _, v := range vs {
			if _, dup := b.vs[v.Name]; !dup {
				b.vs[v.Name] = v
			}
		}
	}
	b.err = err
	r.mu.Lock()
	r.running = nil
	r.mu.Unlock()
	close(b.done)
	return b.vs, b.err
}

// onePage says whether repo's last listing fit in one page: a fresh listing then
// costs one request, less than a GET of each version deleted meanwhile.
func (c *Client) onePage(repo string) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	vs, ok := c.versions[repo]
	return ok && len(vs) <= c.pageSize
}
