/* Compiles the public C header as strict C99 (the build fails on any warning). */
#include "safeguard.h"

int safeguard_header_compiles_as_c99(void) { return SG_VERSION_NUMBER > 0 ? SG_OK : SG_E_INTERNAL; }
