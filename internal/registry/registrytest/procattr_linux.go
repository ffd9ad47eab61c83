package registrytest

import "syscall"

// childProcAttr makes the kernel kill a child registry when the process that started it
// dies, so a crashed or killed test binary leaves no registry behind.
func childProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
}
