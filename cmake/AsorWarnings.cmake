# Warnings for our own targets only; never imposed on consumers of the exported target.
# -Wnull-dereference is left out: GCC 12 reports it inside inlined Boost.Asio strand code
# (std::shared_ptr::get), a false positive we cannot silence at the include.
add_library(asor_warnings INTERFACE)
if(ASOR_DEVELOPER_MODE)
  target_compile_options(asor_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
    -Wformat=2 -Wimplicit-fallthrough -Werror)
endif()
