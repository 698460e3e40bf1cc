#ifndef SURVEYD_FUZZ_DRIVER_H
#define SURVEYD_FUZZ_DRIVER_H
#include <stddef.h>
#include <stdint.h>

/// libFuzzer's entry point for programs that have their own main (SwiftPM renames an executable's
/// main to MODULE_main on Linux, so libFuzzer's own main is not used).
int LLVMFuzzerRunDriver(int *argc, char ***argv, int (*callback)(const uint8_t *data, size_t size));

#endif
