#ifndef SURVEYD_CSYSTEMD_SHIM_H
#define SURVEYD_CSYSTEMD_SHIM_H
#include <systemd/sd-daemon.h>
#include <systemd/sd-journal.h>
#include <sys/uio.h>

// Crash reports (SystemdSupport/FatalSignalReporter.swift).
#include <link.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <unwind.h>  // _Unwind_Backtrace, _Unwind_GetIPInfo: libgcc_s, which Swift programs link
/// dl_iterate_phdr(3), which the Glibc module does not show to Swift.
static inline int csystemd_dl_iterate_phdr(int (*callback)(struct dl_phdr_info *, size_t, void *), void *data) {
    return dl_iterate_phdr(callback, data);
}
/// The calling thread's id and name (prctl PR_GET_NAME, 16 bytes with the NUL): system calls, safe
/// in a signal handler; gettid(3) and pthread_getname_np(3) are GNU extensions the Glibc module
/// does not show.
static inline int csystemd_gettid(void) { return (int)syscall(SYS_gettid); }
static inline void csystemd_thread_name(char name[16]) { name[0] = 0; prctl(PR_GET_NAME, name, 0, 0, 0); }
#endif
