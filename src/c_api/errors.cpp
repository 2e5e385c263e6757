// The C API: version, status strings and the thread-local error state.
#include "c_api/common.hpp"

extern "C" {

int sg_version_number(void) { return SG_VERSION_NUMBER; }
const char* sg_version_string(void) { return SG_VERSION_STRING; }

const char* sg_status_str(int status) {
  switch (status) {
    case SG_OK:
      return "ok";
    case SG_E_INVALID_ARGUMENT:
      return "invalid argument";
    case SG_E_PARSE:
      return "syntax error";
    case SG_E_INVALID_DATA:
      return "invalid data";
    case SG_E_NOT_FOUND:
      return "not found";
    case SG_E_DUPLICATE:
      return "duplicate";
    case SG_E_TYPE:
      return "type error";
    case SG_E_IO:
      return "input/output error";
    case SG_E_LIMIT:
      return "limit exceeded";
    case SG_E_NOMEM:
      return "out of memory";
    case SG_E_RANGE:
      return "index out of range";
    case SG_E_VERSION:
      return "unsupported version";
    case SG_E_DIVERGENT:
      return "propagation would diverge";
    case SG_E_INTERNAL:
      return "internal error";
    case SG_E_ENCODING:
      return "invalid UTF-8";
    default:
      return "unknown status";
  }
}

const char* sg_error_last(void) { return t_error.c_str(); }
int sg_error_last_status(void) { return t_status; }

void sg_buffer_free(char* buffer) { std::free(buffer); }

}  // extern "C"
