# SPDX-License-Identifier: GPL-3.0-or-later
# Where CertRotor's programs live, in the build tree and once installed — the same layout in both:
#   <prefix>/bin/certrotor, certrotor-cli          certrotor_program(<target>)
#   <prefix>/libexec/certrotor/certrotor-drill-*   certrotor_helper(<target>)
# A program finds its helpers relative to its own location (core/util/Helpers.h), never by a build-tree
# path: CERTROTOR_HELPER_DIR_FROM_BIN is the helpers' directory relative to the programs'.
include(GNUInstallDirs)
set(CERTROTOR_BIN_OUTPUT_DIR ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_BINDIR})
set(CERTROTOR_HELPER_OUTPUT_DIR ${CMAKE_BINARY_DIR}/${CMAKE_INSTALL_LIBEXECDIR}/certrotor)
file(RELATIVE_PATH CERTROTOR_HELPER_DIR_FROM_BIN ${CMAKE_INSTALL_FULL_BINDIR}
     ${CMAKE_INSTALL_FULL_LIBEXECDIR}/certrotor)

function(certrotor_program target)
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CERTROTOR_BIN_OUTPUT_DIR})
    install(TARGETS ${target} RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endfunction()

function(certrotor_helper target)
    set_target_properties(${target} PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CERTROTOR_HELPER_OUTPUT_DIR})
    install(TARGETS ${target} RUNTIME DESTINATION ${CMAKE_INSTALL_LIBEXECDIR}/certrotor)
endfunction()
