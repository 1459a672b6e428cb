# Warnings for our own targets only; never imposed on consumers of the exported target.
add_library(asor_warnings INTERFACE)
if(ASOR_DEVELOPER_MODE)
  target_compile_options(asor_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wnull-dereference -Wdouble-promotion
    -Wformat=2 -Wimplicit-fallthrough -Werror)
endif()
