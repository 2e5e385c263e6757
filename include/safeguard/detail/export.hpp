// Symbol visibility for the C++ API: the library is built with hidden visibility, and only
// what is marked SAFEGUARD_EXPORT is exported (exception types must be, so that a host can
// catch what the library throws).
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
