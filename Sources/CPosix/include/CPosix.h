#ifndef SURVEYD_CPOSIX_H
#define SURVEYD_CPOSIX_H

/// syncfs(2): flushes the whole file system that holds `fd` (Glibc declares it only with
/// _GNU_SOURCE, which Swift's Glibc module does not set).
int surveyd_syncfs(int fd);

#endif
