# SPDX-License-Identifier: GPL-3.0-or-later
# Run with cmake -P at build time; see CertRotorVersion.cmake.
set(GIT_DESCRIBE "unknown")
set(GIT_COMMIT "unknown")
find_package(Git QUIET)
if(GIT_FOUND AND EXISTS "${SOURCE_DIR}/.git")
    execute_process(COMMAND ${GIT_EXECUTABLE} rev-parse --short=7 HEAD
        WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE _commit RESULT_VARIABLE _rc
        OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_rc EQUAL 0 AND _commit)
        set(GIT_COMMIT "${_commit}")
    endif()
    execute_process(COMMAND ${GIT_EXECUTABLE} describe --tags --always --dirty
        WORKING_DIRECTORY ${SOURCE_DIR} OUTPUT_VARIABLE _describe RESULT_VARIABLE _rc
        OUTPUT_STRIP_TRAILING_WHITESPACE ERROR_QUIET)
    if(_rc EQUAL 0 AND _describe)
        set(GIT_DESCRIBE "${_describe}")
    endif()
endif()
string(TIMESTAMP BUILD_DATE "%Y-%m-%d" UTC)
string(TOLOWER "${SYSTEM_NAME}" OS_NAME)
string(TOLOWER "${SYSTEM_PROCESSOR}" ARCH_NAME)
if(ARCH_NAME STREQUAL "amd64")
    set(ARCH_NAME "x86_64")
endif()
configure_file(${IN} ${OUT}.tmp @ONLY)
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
file(REMOVE ${OUT}.tmp)
