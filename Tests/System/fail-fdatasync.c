// Test shim, loaded with LD_PRELOAD into surveyd by DatabaseFailureTests.aFailedLogFlushStopsTheDaemon:
// while the file named by SURVEYD_TEST_FAIL_FLUSH exists, fdatasync on a write-ahead log (a file
// whose name ends in "-wal") fails with EIO, as on a failing disk. Everything else is untouched.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

int fdatasync(int fd) {
    static int (*real)(int);
    if (!real) real = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");
    const char *flag = getenv("SURVEYD_TEST_FAIL_FLUSH");
    if (flag && access(flag, F_OK) == 0) {
        char link[64], target[4096];
        snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
        ssize_t length = readlink(link, target, sizeof target - 1);
        if (length > 4) {
            target[length] = 0;
            if (strcmp(target + length - 4, "-wal") == 0) {
                errno = EIO;
                return -1;
            }
        }
    }
    return real(fd);
}
