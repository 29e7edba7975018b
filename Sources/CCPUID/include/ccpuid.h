#ifndef MICRONET_CCPUID_H
#define MICRONET_CCPUID_H
// What the x86-64 processor and the operating system together support, read with cpuid and xgetbv.
// On other architectures every flag is 0.

/// Instruction-set levels that decide which OpenBLAS kernels a CPU can run.
typedef struct {
    int avx;         // AVX with OS-saved YMM state
    int avx2;        // AVX2 and FMA3 (with AVX)
    int avx512;      // AVX-512 F, CD, BW, DQ, VL with OS-saved ZMM state
    int avx512bf16;  // AVX-512 BF16 (Cooper Lake, Sapphire Rapids, Zen 4)
    int amx;         // AMX tiles with OS-enabled tile state (Sapphire Rapids)
    char vendor[13]; // "GenuineIntel", "AuthenticAMD", ...
} micronet_cpu_features;

/// Fills `out` from cpuid; returns 0 on x86-64, -1 elsewhere (all flags 0).
int micronet_cpu_features_read(micronet_cpu_features *out);

#endif
