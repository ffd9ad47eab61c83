//go:build !linux

package registrytest

import "syscall"

// childProcAttr has nothing to add outside Linux: Close is the only way to stop a child.
func childProcAttr() *syscall.SysProcAttr { return nil }
