# Installs the freshly built library into a scratch prefix, then builds and runs a program
# outside the project against the installed package:
#   MODE=cmake      tests/capi/consumer/consumer.c with find_package(safeguard), safeguard::safeguard_c
#   MODE=cmake_cxx  tests/capi/consumer/consumer.cpp with find_package(safeguard), safeguard::safeguard
#   MODE=pkgconfig  tests/capi/consumer/consumer.c with pkg-config and the C compiler directly
# With a shared build it also checks which library each program loads: the C programs
# libsafeguard.so.0, the C++ program none (the C++ API is a static library).
set(prefix "${WORK_DIR}/prefix-${MODE}")
file(REMOVE_RECURSE "${WORK_DIR}/prefix-${MODE}" "${WORK_DIR}/build-${MODE}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
set(ENV{LD_LIBRARY_PATH} "${prefix}/lib:${prefix}/lib64:${prefix}/lib/x86_64-linux-gnu")
if(MODE STREQUAL "cmake" OR MODE STREQUAL "cmake_cxx")
  if(MODE STREQUAL "cmake")
    set(target consumer)
  else()
    set(target consumer_cxx)
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} -S "${SOURCE_DIR}" -B "${WORK_DIR}/build-${MODE}"
                          "-DCMAKE_PREFIX_PATH=${prefix}" RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "configuring the consumer failed")
  endif()
  execute_process(COMMAND ${CMAKE_COMMAND} --build "${WORK_DIR}/build-${MODE}" --target ${target}
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "building the consumer failed")
  endif()
  set(program "${WORK_DIR}/build-${MODE}/${target}")
else()
  file(GLOB_RECURSE pc_files "${prefix}/*/safeguard.pc")
  list(GET pc_files 0 pc_file)
  get_filename_component(pc_dir "${pc_file}" DIRECTORY)
  set(ENV{PKG_CONFIG_PATH} "${pc_dir}")
  execute_process(COMMAND pkg-config --cflags --libs safeguard OUTPUT_VARIABLE flags
                  RESULT_VARIABLE rc OUTPUT_STRIP_TRAILING_WHITESPACE)
  if(rc)
    message(FATAL_ERROR "pkg-config does not find safeguard")
  endif()
  separate_arguments(flags UNIX_COMMAND "${flags}")
  file(MAKE_DIRECTORY "${WORK_DIR}/build-pkgconfig")
  set(program "${WORK_DIR}/build-pkgconfig/consumer")
  execute_process(COMMAND ${C_COMPILER} -std=c99 -Wall -Wextra -pedantic -Werror
                          "${SOURCE_DIR}/consumer.c" -o "${program}" ${flags}
                  RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "compiling the consumer with pkg-config flags failed")
  endif()
endif()
if(SHARED AND READELF)
  execute_process(COMMAND ${READELF} -d "${program}" OUTPUT_VARIABLE dynamic RESULT_VARIABLE rc)
  if(rc)
    message(FATAL_ERROR "readelf failed on ${program}")
  endif()
  string(FIND "${dynamic}" "[libsafeguard.so." needs_c_library)
  if(MODE STREQUAL "cmake_cxx" AND NOT needs_c_library EQUAL -1)
    message(FATAL_ERROR "the C++ consumer loads libsafeguard.so; it should link the static C++ library")
  elseif(NOT MODE STREQUAL "cmake_cxx" AND needs_c_library EQUAL -1)
    message(FATAL_ERROR "the C consumer does not load libsafeguard.so")
  endif()
endif()
execute_process(COMMAND "${program}" RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the consumer failed: ${rc}")
endif()
