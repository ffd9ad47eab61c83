// Package sweep is the composition root: it turns a configuration into a registry
// backend and source providers, and runs the stages in order — discover, resolve,
// policy, plan, apply — returning the items a report prints. The CLI, the demo and
// the server use it. It is the only package besides demo that imports adapters.
package sweep
