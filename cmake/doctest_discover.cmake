# Registers each doctest TEST_CASE of a unit-test binary as its own CTest test, so ctest
# reports them one by one.
include(/usr/lib/cmake/doctest/doctest.cmake)
function(uoms_discover_unit_tests target)
  doctest_discover_tests(${target} TEST_PREFIX "unit." PROPERTIES TIMEOUT 120)
endfunction()
