# Installation and packaging: `cmake --install build [--prefix P]` and, from the build
# directory, `cpack -G DEB`. Included at the end of CMakeLists.txt.
#
# Installed: bin/uoms (stripped), the man page uoms(1), bash and zsh completions, and the
# examples and README under share/doc/uoms. The man page and completions are written by
# the built binary from its own command table (`uoms --generate man|bash|zsh`), so they
# list exactly the commands and flags that binary accepts.
include(GNUInstallDirs)

option(UOMS_INSTALL_STRIP "Strip the installed uoms binary (the build keeps its debug info)" ON)
set(UOMS_ZSH_COMPLETION_DIR "${CMAKE_INSTALL_DATADIR}/zsh/vendor-completions"
    CACHE STRING "Where the zsh completion _uoms goes (Debian's zsh reads vendor-completions)")

# Packaging installs what is built and never builds: `cmake --build build` first. Without
# this, cpack would build every target (unit tests, benchmark) just to package one binary.
set(CMAKE_SKIP_INSTALL_ALL_DEPENDENCY ON)

set(UOMS_GENERATED_DOCS ${CMAKE_BINARY_DIR}/generated/share)
set(UOMS_MAN_PAGE ${UOMS_GENERATED_DOCS}/uoms.1)
set(UOMS_BASH_COMPLETION ${UOMS_GENERATED_DOCS}/uoms.bash)
set(UOMS_ZSH_COMPLETION ${UOMS_GENERATED_DOCS}/_uoms)
add_custom_command(
  OUTPUT ${UOMS_MAN_PAGE} ${UOMS_BASH_COMPLETION} ${UOMS_ZSH_COMPLETION}
  COMMAND ${CMAKE_COMMAND} -DUOMS=$<TARGET_FILE:uoms> -DWHAT=man -DOUT=${UOMS_MAN_PAGE}
          -P ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
  COMMAND ${CMAKE_COMMAND} -DUOMS=$<TARGET_FILE:uoms> -DWHAT=bash -DOUT=${UOMS_BASH_COMPLETION}
          -P ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
  COMMAND ${CMAKE_COMMAND} -DUOMS=$<TARGET_FILE:uoms> -DWHAT=zsh -DOUT=${UOMS_ZSH_COMPLETION}
          -P ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
  DEPENDS uoms ${CMAKE_SOURCE_DIR}/cmake/generate_docs.cmake
  COMMENT "Writing the uoms(1) man page and shell completions from the command table")
add_custom_target(uoms-docs ALL DEPENDS ${UOMS_MAN_PAGE} ${UOMS_BASH_COMPLETION} ${UOMS_ZSH_COMPLETION})

# The strip runs inside the install script, before the binary is copied, unless the
# install was asked for otherwise (`cmake -DCMAKE_INSTALL_DO_STRIP=OFF -P cmake_install.cmake`).
if(UOMS_INSTALL_STRIP)
  install(CODE "if(NOT DEFINED CMAKE_INSTALL_DO_STRIP)\n  set(CMAKE_INSTALL_DO_STRIP ON)\nendif()")
endif()
install(TARGETS uoms RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
install(FILES ${UOMS_MAN_PAGE} DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
install(FILES ${UOMS_BASH_COMPLETION} DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions
        RENAME uoms)
install(FILES ${UOMS_ZSH_COMPLETION} DESTINATION ${UOMS_ZSH_COMPLETION_DIR})
install(FILES ${CMAKE_SOURCE_DIR}/README.md DESTINATION ${CMAKE_INSTALL_DOCDIR})
install(DIRECTORY ${CMAKE_SOURCE_DIR}/examples/ DESTINATION ${CMAKE_INSTALL_DOCDIR}/examples)

# --- the Debian package: `cd build && cpack -G DEB` ---------------------------------------
set(CPACK_PACKAGE_NAME uoms)
set(CPACK_PACKAGE_VENDOR "uoms")
set(CPACK_PACKAGE_CONTACT "uoms maintainers <uoms@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "one order tool for Coupang, Smartstore, Shopee, Qoo10, PlayAuto and CSV exports")
set(CPACK_PACKAGE_DESCRIPTION
    "uoms makes one pass over every configured marketplace channel per command (collect orders,\
 upload tracking numbers, sync stock), records a job in a local SQLite file and exits with a\
 code a scheduler (cron, systemd, n8n) can act on.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION utils)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
# dpkg-shlibdeps reads the binary's libraries (libcurl4, libsqlite3-0, libzstd1, libfmt9, libssl3,
# libcrypt1, libtomlplusplus3, libstdc++6, libc6 …) and writes the Depends line with their minimum versions.
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "ca-certificates")
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "systemd, cron")
set(CPACK_SOURCE_IGNORE_FILES "/build.*/;/\\\\.git/")
include(CPack)

# tests/e2e/test_n8n.py may wait for, or do, the one-time n8n install (scripts/n8n.sh).
if(TEST e2e.test_n8n)
  set_tests_properties(e2e.test_n8n PROPERTIES TIMEOUT 2700)
endif()
