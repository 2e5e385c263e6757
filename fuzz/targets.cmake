# The fuzz targets, and what each one's executable needs besides its source: used by the
# libFuzzer build (fuzz/CMakeLists.txt) and by the corpus replay in the test suite
# (tests/CMakeLists.txt), so the two cannot drift apart.
set(SAFEGUARD_FUZZ_TARGETS case_file rule_pack expr c_api cin process store audit)

function(safeguard_fuzz_target_setup executable target)
  target_link_libraries(${executable} PRIVATE safeguard::safeguard)
  target_compile_definitions(${executable} PRIVATE SAFEGUARD_SOURCE_DIR="${PROJECT_SOURCE_DIR}")
  if(target STREQUAL "expr")
    # The expression fuzzer drives the compiler itself, a private header (src/interpreter.hpp).
    target_include_directories(${executable} PRIVATE ${PROJECT_SOURCE_DIR}/src)
  elseif(target STREQUAL "store")
    # The store fuzzer damages copies of a store through SQLite itself.
    target_link_libraries(${executable} PRIVATE SQLite::SQLite3)
  endif()
endfunction()
