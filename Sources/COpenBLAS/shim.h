#ifndef MICRONET_COPENBLAS_SHIM_H
#define MICRONET_COPENBLAS_SHIM_H
// OpenBLAS's CBLAS interface (Debian: libopenblas-dev). The guard name is our own:
// OpenBLAS's cblas.h uses CBLAS_H, and reusing it would hide the real header.
#include <cblas.h>
#endif
