# Warnings for our own targets only; never imposed on consumers of the exported target. Making
# them errors is the business of the `dev` and `lint` presets (CMAKE_COMPILE_WARNING_AS_ERROR),
# never of a default build: a newer or older compiler than CI's finds new warnings, some of them
# false (GCC 12 at -O3: -Wrestrict inside std::string, see docs/decisions/0005-warning-set.md).
# -Wnull-dereference is left out: GCC 12 reports it inside inlined Boost.Asio strand code
# (std::shared_ptr::get), a false positive we cannot silence at the include.
add_library(asor_warnings INTERFACE)
if(ASOR_DEVELOPER_MODE)
  target_compile_options(asor_warnings INTERFACE
    -Wall -Wextra -Wpedantic -Wconversion -Wsign-conversion -Wshadow -Wnon-virtual-dtor
    -Wold-style-cast -Wcast-align -Woverloaded-virtual -Wdouble-promotion
    -Wformat=2 -Wimplicit-fallthrough)
endif()
