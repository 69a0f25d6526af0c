# One libFuzzer binary per input surface (tests/fuzz/<name>.cpp -> uoms-fuzz-<name>), and
# `uoms-fuzz` to build them all. Included only with UOMS_FUZZ=ON (clang); scripts/fuzz.sh
# configures, builds and runs them.
file(GLOB UOMS_FUZZ_SOURCES CONFIGURE_DEPENDS ${CMAKE_SOURCE_DIR}/tests/fuzz/*.cpp)
add_custom_target(uoms-fuzz)
foreach(source ${UOMS_FUZZ_SOURCES})
  get_filename_component(name ${source} NAME_WE)
  add_executable(uoms-fuzz-${name} ${source})
  target_link_libraries(uoms-fuzz-${name} PRIVATE uoms_core)
  target_link_options(uoms-fuzz-${name} PRIVATE -fsanitize=fuzzer)
  add_dependencies(uoms-fuzz uoms-fuzz-${name})
endforeach()
