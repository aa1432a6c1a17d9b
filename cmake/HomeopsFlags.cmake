# HomeopsFlags.cmake: warnings, sanitizers and fuzzing instrumentation for every target.
add_compile_options(-Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
                    -Wformat=2 -Wno-format-nonliteral -Wundef -Wvla -fno-common)
add_compile_definitions(_GNU_SOURCE)
if(HOMEOPS_WERROR)
  add_compile_options(-Werror)
endif()
if(HOMEOPS_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer)
  add_link_options(-fsanitize=address,undefined -fno-sanitize-recover=all)
endif()
if(HOMEOPS_FUZZ)
  if(NOT CMAKE_C_COMPILER_ID MATCHES "Clang")
    message(FATAL_ERROR "HOMEOPS_FUZZ needs clang (cmake -DCMAKE_C_COMPILER=clang)")
  endif()
  # Coverage instrumentation everywhere; only fuzz targets link the libFuzzer driver.
  add_compile_options(-fsanitize=fuzzer-no-link)
endif()
