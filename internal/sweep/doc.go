// Package sweep is the composition root: it turns a configuration into a registry
// backend and source providers that share one request budget, and runs each
// repository through the stages on its own — discover, resolve, policy, plan, apply
// — several repositories at once, returning the items a report prints. Only a
// safety limit makes every repository wait for the whole plan. The CLI, the demo and
// the server use it. It is the only package besides demo that imports adapters.
package sweep
