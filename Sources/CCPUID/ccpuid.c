#include "ccpuid.h"
#include <string.h>

#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>

static unsigned long long xgetbv0(void) {
    unsigned int eax, edx;
    __asm__ volatile("xgetbv" : "=a"(eax), "=d"(edx) : "c"(0));
    return ((unsigned long long)edx << 32) | eax;
}

int micronet_cpu_features_read(micronet_cpu_features *out) {
    memset(out, 0, sizeof *out);
    unsigned int a, b, c, d;
    if (!__get_cpuid(0, &a, &b, &c, &d)) return 0;
    unsigned int maxLeaf = a;
    memcpy(out->vendor, &b, 4); memcpy(out->vendor + 4, &d, 4); memcpy(out->vendor + 8, &c, 4);
    out->vendor[12] = 0;
    __get_cpuid(1, &a, &b, &c, &d);
    int osxsave = (c >> 27) & 1, avx = (c >> 28) & 1, fma = (c >> 12) & 1;
    unsigned long long xcr0 = osxsave ? xgetbv0() : 0;
    int ymm = (xcr0 & 0x6) == 0x6;            // SSE and AVX state saved by the OS
    int zmm = ymm && (xcr0 & 0xe0) == 0xe0;   // opmask, ZMM_Hi256, Hi16_ZMM
    int tiles = (xcr0 & 0x60000) == 0x60000;  // XTILECFG, XTILEDATA
    out->avx = avx && ymm;
    if (maxLeaf >= 7) {
        __cpuid_count(7, 0, a, b, c, d);
        int avx2 = (b >> 5) & 1;
        int f = (b >> 16) & 1, dq = (b >> 17) & 1, cd = (b >> 28) & 1, bw = (b >> 30) & 1, vl = (b >> 31) & 1;
        int amxTile = (d >> 24) & 1;
        out->avx2 = out->avx && avx2 && fma;
        out->avx512 = zmm && f && dq && cd && bw && vl;
        out->amx = amxTile && tiles;
        __cpuid_count(7, 1, a, b, c, d);
        out->avx512bf16 = out->avx512 && ((a >> 5) & 1);
    }
    return 0;
}
#else
int micronet_cpu_features_read(micronet_cpu_features *out) {
    memset(out, 0, sizeof *out);
    return -1;
}
#endif
