"""The C API version this package was written against (include/safeguard/version.h)."""

__version__ = "0.1.0"
VERSION_MAJOR = 0
VERSION_MINOR = 1
VERSION_PATCH = 0
