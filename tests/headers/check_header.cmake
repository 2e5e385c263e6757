# Compiles one public header on its own, as its own translation unit (libgit2's headertest):
# a header that leans on something its includer happened to include first fails here.
# With FORBID set, the header must also not include, directly or through others, any header
# whose path contains FORBID (the compiler's -H trace lists every header it opens).
#
#   cmake -DCOMPILER=... -DLANG=c++|c -DHEADER=safeguard/rules.hpp -DPROJECT_INCLUDE=include
#         -DINCLUDES=a|b
#         -DWORK_DIR=... [-DFORBID=boost/graph/] -P check_header.cmake
string(REPLACE "|" ";" include_dirs "${INCLUDES}")
set(flags -fsyntax-only -H -Wall -Wextra -pedantic -Werror)
if(LANG STREQUAL "c")
  list(APPEND flags -std=c99 -x c)
  set(suffix c)
else()
  list(APPEND flags -std=c++17 -x c++)
  set(suffix cpp)
endif()
foreach(dir IN LISTS include_dirs)
  if(dir STREQUAL "" OR dir MATCHES "^/usr(/local)?/include/?$")
    # The compiler's own search path: naming it again (as -isystem) breaks #include_next.
  elseif(dir STREQUAL PROJECT_INCLUDE)
    list(APPEND flags -I${dir})
  else()
    # Third-party headers are the system's business: their warnings are not ours.
    list(APPEND flags -isystem ${dir})
  endif()
endforeach()

string(MAKE_C_IDENTIFIER "${HEADER}" name)
if(FORBID)
  string(APPEND name _forbid)
endif()
set(source "${WORK_DIR}/${name}.${suffix}")
# Included twice: the second inclusion must be a no-op (include guard or #pragma once).
file(WRITE "${source}" "#include \"${HEADER}\"\n#include \"${HEADER}\"\n")

execute_process(COMMAND "${COMPILER}" ${flags} "${source}"
  RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE trace)
if(NOT status EQUAL 0)
  message(FATAL_ERROR "${HEADER} does not compile on its own:\n${trace}")
endif()
if(FORBID)
  string(REGEX MATCHALL "[^\n]*${FORBID}[^\n]*" hits "${trace}")
  if(hits)
    list(GET hits 0 first)
    message(FATAL_ERROR "${HEADER} includes ${FORBID} headers, e.g.:\n${first}")
  endif()
endif()
message(STATUS "${HEADER}: compiles on its own")
