# Installs the build into a scratch prefix and imports the installed Python package with no
# SAFEGUARD_LIBRARY and no source tree around it: it must find the installed library beside
# itself, check its version and assess a case file.
set(prefix "${WORK_DIR}/prefix")
file(REMOVE_RECURSE "${WORK_DIR}")
file(MAKE_DIRECTORY "${WORK_DIR}")
execute_process(COMMAND ${CMAKE_COMMAND} --install "${BUILD_DIR}" --prefix "${prefix}"
                RESULT_VARIABLE rc OUTPUT_QUIET)
if(rc)
  message(FATAL_ERROR "install failed: ${rc}")
endif()
set(script [=[
import datetime, os, sys
import safeguard
prefix = os.path.realpath(sys.argv[1])
assert os.path.realpath(safeguard.__file__).startswith(prefix), safeguard.__file__
assert os.path.realpath(safeguard.library_path()).startswith(prefix), safeguard.library_path()
rules_path = os.path.join(prefix, "share", "safeguard", "rules", "default.toml")
with safeguard.Graph.from_file(sys.argv[2]) as graph, safeguard.RuleSet.load(rules_path) as rules:
    result = graph.assess(rules, as_of=datetime.date(2026, 11, 1))
print("installed package", safeguard.__version__, "at", safeguard.library_path(), "assessed",
      ", ".join("%s=%s" % (c.id, c.level) for c in result))
]=])
execute_process(
  COMMAND ${CMAKE_COMMAND} -E env --unset=SAFEGUARD_LIBRARY
          "PYTHONPATH=${prefix}/${PACKAGE_DIR}" PYTHONDONTWRITEBYTECODE=1
          ${PYTHON} -c "${script}" "${prefix}" "${CASE_FILE}"
  WORKING_DIRECTORY "${WORK_DIR}"
  RESULT_VARIABLE rc)
if(rc)
  message(FATAL_ERROR "the installed Python package failed: ${rc}")
endif()
