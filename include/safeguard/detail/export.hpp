// Symbol visibility for the C++ API. The C++ API is the static library safeguard::safeguard,
// compiled with hidden visibility; what is marked SAFEGUARD_EXPORT keeps default visibility, so
// a host that links it into a shared library of its own can still export it (exception types
// must be, so that code across that boundary can catch what the library throws). The shared
// libsafeguard.so exports none of it: its version script keeps only sg_* (docs/abi.md).
#pragma once

#if defined(_WIN32) && defined(SG_SHARED)
#ifdef SG_BUILDING_LIBRARY
#define SAFEGUARD_EXPORT __declspec(dllexport)
#else
#define SAFEGUARD_EXPORT __declspec(dllimport)
#endif
#elif defined(__GNUC__)
#define SAFEGUARD_EXPORT __attribute__((visibility("default")))
#else
#define SAFEGUARD_EXPORT
#endif
