# SPDX-License-Identifier: GPL-3.0-or-later
# One source of truth for the version: project(VERSION) + git describe + build date + platform,
# regenerated into the *build* tree on every build (the header is rewritten only when it changes).
set(CERTROTOR_VERSION_HEADER_DIR ${CMAKE_BINARY_DIR}/generated)
add_custom_target(certrotor_version_header ALL
    COMMAND ${CMAKE_COMMAND}
        -DOUT=${CERTROTOR_VERSION_HEADER_DIR}/certrotor_version.h
        -DIN=${CMAKE_CURRENT_LIST_DIR}/certrotor_version.h.in
        -DSOURCE_DIR=${CMAKE_SOURCE_DIR}
        -DVERSION=${PROJECT_VERSION}
        -DSYSTEM_NAME=${CMAKE_SYSTEM_NAME}
        -DSYSTEM_PROCESSOR=${CMAKE_SYSTEM_PROCESSOR}
        -P ${CMAKE_CURRENT_LIST_DIR}/GenerateVersion.cmake
    BYPRODUCTS ${CERTROTOR_VERSION_HEADER_DIR}/certrotor_version.h
    COMMENT "Generating certrotor_version.h"
    VERBATIM)
add_library(certrotor_version INTERFACE)
target_include_directories(certrotor_version INTERFACE ${CERTROTOR_VERSION_HEADER_DIR})
add_dependencies(certrotor_version certrotor_version_header)
