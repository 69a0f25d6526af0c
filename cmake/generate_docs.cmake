# Runs `UOMS --generate WHAT` and writes its stdout to OUT (cmake -P, from install.cmake);
# a failing binary fails the build instead of installing an empty page.
# A sanitizer build (UOMS_SANITIZE) runs this too: a leak report must not fail the page.
set(ENV{ASAN_OPTIONS} "detect_leaks=0")
get_filename_component(dir ${OUT} DIRECTORY)
file(MAKE_DIRECTORY ${dir})
execute_process(COMMAND ${UOMS} --generate ${WHAT} OUTPUT_FILE ${OUT}.tmp RESULT_VARIABLE result
                ERROR_VARIABLE error)
if(NOT result EQUAL 0)
  file(REMOVE ${OUT}.tmp)
  message(FATAL_ERROR "${UOMS} --generate ${WHAT} failed (${result}): ${error}")
endif()
file(RENAME ${OUT}.tmp ${OUT})
