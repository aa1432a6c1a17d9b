# HomeopsTesting.cmake: one-line helpers that declare unit, fixture, script and fuzz tests for ctest.
#
# Labels (DESIGN.md): unit, integration, e2e, fixtures, fuzz.
# A test that needs ../shared/fixtures exits 77 when they are absent; ctest reports it as skipped.

pkg_check_modules(CMOCKA REQUIRED IMPORTED_TARGET cmocka)
find_program(HOMEOPS_PYTHON /usr/bin/python3 NO_DEFAULT_PATH)
if(NOT HOMEOPS_PYTHON)
  find_program(HOMEOPS_PYTHON python3 REQUIRED)
endif()

set(HOMEOPS_TEST_ENV
    "HOMEOPS_FIXTURES=${HOMEOPS_FIXTURES}"
    "HOMEOPS_SOURCE_DIR=${CMAKE_SOURCE_DIR}"
    "HOMEOPS_BUILD_DIR=${CMAKE_BINARY_DIR}"
    "PYTHONDONTWRITEBYTECODE=1"
    "ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:strict_string_checks=1"
    "UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1")

# homeops_unit_test(NAME n SOURCES s... [LIBS l...] [FIXTURES] [LABELS x...] [TIMEOUT t])
function(homeops_unit_test)
  cmake_parse_arguments(T "FIXTURES" "NAME;TIMEOUT" "SOURCES;LIBS;LABELS" ${ARGN})
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS} PkgConfig::CMOCKA homeops_testlib)
  set(labels unit ${T_LABELS})
  if(T_FIXTURES)
    list(APPEND labels fixtures)
  endif()
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 120)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_NAME})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${labels}" SKIP_RETURN_CODE 77
                       TIMEOUT ${T_TIMEOUT} ENVIRONMENT "${HOMEOPS_TEST_ENV}")
endfunction()

# homeops_script_test(NAME n COMMAND c... [LABELS x...] [TIMEOUT t] [RUN_SERIAL] [ENV k=v...])
# Python harnesses run with Debian's /usr/bin/python3 (${HOMEOPS_PYTHON}).
function(homeops_script_test)
  cmake_parse_arguments(T "RUN_SERIAL" "NAME;TIMEOUT" "COMMAND;LABELS;ENV;DEPENDS" ${ARGN})
  if(NOT T_TIMEOUT)
    set(T_TIMEOUT 300)
  endif()
  add_test(NAME ${T_NAME} COMMAND ${T_COMMAND})
  set_tests_properties(${T_NAME} PROPERTIES LABELS "${T_LABELS}" SKIP_RETURN_CODE 77
                       TIMEOUT ${T_TIMEOUT} ENVIRONMENT "${HOMEOPS_TEST_ENV};${T_ENV}")
  if(T_RUN_SERIAL)
    set_tests_properties(${T_NAME} PROPERTIES RUN_SERIAL TRUE)
  endif()
endfunction()

# homeops_fuzz_target(NAME n SOURCES s... [LIBS l...] [CORPUS dir-or-file...] [SECONDS n])
# Builds only with -DHOMEOPS_FUZZ=ON. The ctest entry (n, prefixed fuzz_ if it is not) runs it for SECONDS (default 20)
# on a scratch copy of the seed corpus; long runs: build/tests/fuzz/<n> -max_total_time=3600 DIR.
function(homeops_fuzz_target)
  cmake_parse_arguments(T "" "NAME;SECONDS" "SOURCES;LIBS;CORPUS" ${ARGN})
  if(NOT HOMEOPS_FUZZ)
    return()
  endif()
  if(NOT T_SECONDS)
    set(T_SECONDS 20)
  endif()
  add_executable(${T_NAME} ${T_SOURCES})
  target_link_libraries(${T_NAME} PRIVATE ${T_LIBS})
  target_link_options(${T_NAME} PRIVATE -fsanitize=fuzzer)
  set_target_properties(${T_NAME} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/tests/fuzz)
  set(_test ${T_NAME})
  if(NOT _test MATCHES "^fuzz_")
    set(_test fuzz_${T_NAME})
  endif()
  add_test(NAME ${_test}
           COMMAND ${CMAKE_SOURCE_DIR}/tests/fuzz/run-fuzzer.sh $<TARGET_FILE:${T_NAME}> ${T_SECONDS} ${T_CORPUS})
  math(EXPR _timeout "${T_SECONDS} + 120")
  set_tests_properties(${_test} PROPERTIES LABELS fuzz TIMEOUT ${_timeout}
                       ENVIRONMENT "${HOMEOPS_TEST_ENV}")
endfunction()
