#ifndef MICRONET_CZLIB_SHIM_H
#define MICRONET_CZLIB_SHIM_H
// zlib (Debian: zlib1g-dev), used to inflate deflated entries of re-zipped checkpoints.
#include <zlib.h>
#endif
