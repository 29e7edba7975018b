#ifndef MICRONET_CKERNELS_H
#define MICRONET_CKERNELS_H
// Matrix-vector products for recurrences at batch 1, written per instruction set with intrinsics.
// Swift's SIMD types compile for baseline x86-64 (SSE2, no FMA); this is where the wider units are used.

/// Instruction sets a kernel is written for; pass one the processor supports (see CPUFeatures).
typedef enum {
    MICRONET_ISA_PORTABLE = 0,  // plain C, any processor
    MICRONET_ISA_AVX2 = 1,      // AVX2 with FMA3
    MICRONET_ISA_AVX512 = 2,    // AVX-512 F
} micronet_isa;

/// y[r] = Σ_k a[r·lda + k]·x[k] for r in 0..<rows.
///
/// Each row is summed in one fixed order: 32 running lanes stepped 32 values at a time (then 8 at a time
/// into lanes 0–7), the lanes folded (0–7 + 8–15) + (16–23 + 24–31), then 4 + 4, 2 + 2, 1 + 1, then the
/// last n mod 8 values one by one. The AVX2 and AVX-512 kernels fuse every multiply-add, so they give
/// identical results; the portable one rounds each product and may differ in the last bits.
/// A row's result never depends on which other rows are in the same call.
void micronet_sgemv_rows(micronet_isa isa, const float *a, long lda, const float *x, long n, float *y, long rows);

#endif
