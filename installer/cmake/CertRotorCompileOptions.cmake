# SPDX-License-Identifier: GPL-3.0-or-later
# One INTERFACE target carries the project's compile options; every target links it.
add_library(certrotor_options INTERFACE)
target_compile_options(certrotor_options INTERFACE
    -Wall -Wextra -Wpedantic -Wold-style-cast -Wnon-virtual-dtor -Woverloaded-virtual
    -fstack-protector-strong)
target_compile_definitions(certrotor_options INTERFACE
    QT_NO_CAST_FROM_ASCII QT_NO_CAST_TO_ASCII QT_NO_URL_CAST_FROM_STRING
    QT_NO_CAST_FROM_BYTEARRAY QT_USE_QSTRINGBUILDER QT_NO_FOREACH
    OPENSSL_API_COMPAT=30000 OPENSSL_NO_DEPRECATED
    $<$<NOT:$<CONFIG:Debug>>:_FORTIFY_SOURCE=2>)
target_link_options(certrotor_options INTERFACE -Wl,-z,relro -Wl,-z,now)
if(CERTROTOR_WERROR)
    target_compile_options(certrotor_options INTERFACE -Werror)
endif()
# No source or build path in what is installed (__FILE__, debug info): reproducible, relocatable binaries.
add_compile_options("-ffile-prefix-map=${CMAKE_SOURCE_DIR}=." "-ffile-prefix-map=${CMAKE_BINARY_DIR}=build")
