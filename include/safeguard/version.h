/* safeguard version numbers. CMake reads them from here, so this file is the single source. */
#ifndef SAFEGUARD_VERSION_H
#define SAFEGUARD_VERSION_H

#define SG_VERSION_MAJOR 0
#define SG_VERSION_MINOR 1
#define SG_VERSION_PATCH 0
#define SG_VERSION_NUMBER (SG_VERSION_MAJOR * 10000 + SG_VERSION_MINOR * 100 + SG_VERSION_PATCH)
#define SG_VERSION_STRING "0.1.0"

#endif
