#include "ckernels.h"

// Every kernel below sums a row in the order the header states, so the ISA changes speed, not results
// (the portable kernel aside, which cannot fuse multiply-adds).

// ---- portable ------------------------------------------------------------------------------------------

static float fold8_portable(const float v[8]) {
    float h4[4], h2[2];
    for (int k = 0; k < 4; k++) h4[k] = v[k] + v[k + 4];
    for (int k = 0; k < 2; k++) h2[k] = h4[k] + h4[k + 2];
    return h2[0] + h2[1];
}

static float dot_portable(const float *a, const float *x, long n) {
    float s[32] = {0};
    long i = 0;
    for (; i + 32 <= n; i += 32)
        for (int l = 0; l < 32; l++) s[l] += a[i + l] * x[i + l];
    for (; i + 8 <= n; i += 8)
        for (int l = 0; l < 8; l++) s[l] += a[i + l] * x[i + l];
    float v[8];
    for (int l = 0; l < 8; l++) v[l] = (s[l] + s[l + 8]) + (s[l + 16] + s[l + 24]);
    float t = fold8_portable(v);
    for (; i < n; i++) t += a[i] * x[i];
    return t;
}

#if defined(__x86_64__)
#include <immintrin.h>

// ---- AVX2 + FMA ----------------------------------------------------------------------------------------

__attribute__((target("avx2,fma"))) static inline float fold8_avx2(__m256 v) {
    __m128 h4 = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));  // k + (k+4)
    __m128 h2 = _mm_add_ps(h4, _mm_movehl_ps(h4, h4));                                // k + (k+2)
    return _mm_cvtss_f32(_mm_add_ss(h2, _mm_shuffle_ps(h2, h2, 1)));                 // 0 + 1
}

__attribute__((target("avx2,fma"))) static float tail_fma(const float *a, const float *x, long i, long n, float t) {
    for (; i < n; i++) t = __builtin_fmaf(a[i], x[i], t);
    return t;
}

// One row at a time: streaming several rows at once measured half the rate (the prefetchers follow one
// stream per row best), and x stays in L1 either way.
__attribute__((target("avx2,fma")))
static void gemv_avx2(const float *a, long lda, const float *x, long n, float *y, long rows) {
    for (long r = 0; r < rows; r++) {
        const float *row = a + r * lda;
        __m256 s0 = _mm256_setzero_ps(), s1 = s0, s2 = s0, s3 = s0;
        long i = 0;
        for (; i + 32 <= n; i += 32) {
            s0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(x + i), s0);
            s1 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 8), _mm256_loadu_ps(x + i + 8), s1);
            s2 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 16), _mm256_loadu_ps(x + i + 16), s2);
            s3 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i + 24), _mm256_loadu_ps(x + i + 24), s3);
        }
        for (; i + 8 <= n; i += 8) s0 = _mm256_fmadd_ps(_mm256_loadu_ps(row + i), _mm256_loadu_ps(x + i), s0);
        y[r] = tail_fma(row, x, i, n, fold8_avx2(_mm256_add_ps(_mm256_add_ps(s0, s1), _mm256_add_ps(s2, s3))));
    }
}

// ---- AVX-512 -------------------------------------------------------------------------------------------

// Lanes 0–15 of the header's 32 live in one register, 16–31 in another; the 8-value steps go to lanes 0–7
// through a masked load (lanes 8–15 add 0·0).
__attribute__((target("avx512f,avx2,fma"))) static inline __m256 upper8(__m512 v) {
    return _mm256_castpd_ps(_mm512_extractf64x4_pd(_mm512_castps_pd(v), 1));  // AVX-512 F only (no DQ)
}

__attribute__((target("avx512f,avx2,fma"))) static inline float fold32_avx512(__m512 lo, __m512 hi) {
    __m256 a = _mm256_add_ps(_mm512_castps512_ps256(lo), upper8(lo));  // s0 + s1
    __m256 b = _mm256_add_ps(_mm512_castps512_ps256(hi), upper8(hi));  // s2 + s3
    return fold8_avx2(_mm256_add_ps(a, b));
}

__attribute__((target("avx512f,avx2,fma")))
static void gemv_avx512(const float *a, long lda, const float *x, long n, float *y, long rows) {
    for (long r = 0; r < rows; r++) {
        const float *row = a + r * lda;
        __m512 lo = _mm512_setzero_ps(), hi = lo;
        long i = 0;
        for (; i + 32 <= n; i += 32) {
            lo = _mm512_fmadd_ps(_mm512_loadu_ps(row + i), _mm512_loadu_ps(x + i), lo);
            hi = _mm512_fmadd_ps(_mm512_loadu_ps(row + i + 16), _mm512_loadu_ps(x + i + 16), hi);
        }
        for (; i + 8 <= n; i += 8)
            lo = _mm512_fmadd_ps(_mm512_maskz_loadu_ps(0xff, row + i), _mm512_maskz_loadu_ps(0xff, x + i), lo);
        y[r] = tail_fma(row, x, i, n, fold32_avx512(lo, hi));
    }
}
#endif

void micronet_sgemv_rows(micronet_isa isa, const float *a, long lda, const float *x, long n, float *y, long rows) {
#if defined(__x86_64__)
    if (isa == MICRONET_ISA_AVX512) { gemv_avx512(a, lda, x, n, y, rows); return; }
    if (isa == MICRONET_ISA_AVX2) { gemv_avx2(a, lda, x, n, y, rows); return; }
#endif
    for (long r = 0; r < rows; r++) y[r] = dot_portable(a + r * lda, x, n);
}
