# Applies the project's warning and sanitizer flags to one target. Flags are per target (no
# global CMAKE_CXX_FLAGS edits) so third-party code found on the system is never affected.
if(TINCRAWL_SANITIZE AND TINCRAWL_SANITIZE_THREAD)
  message(FATAL_ERROR "TINCRAWL_SANITIZE (ASan) and TINCRAWL_SANITIZE_THREAD (TSan) exclude each other")
endif()
function(tincrawl_target_defaults target)
  target_compile_options(${target} PRIVATE -Wall -Wextra -Wpedantic -Wshadow
                                           -Wnon-virtual-dtor -Wcast-align -Wformat=2)
  if(TINCRAWL_WERROR)
    target_compile_options(${target} PRIVATE -Werror)
  endif()
  if(TINCRAWL_SANITIZE)
    target_compile_options(${target} PRIVATE -fsanitize=address,undefined
                                             -fno-omit-frame-pointer -fno-sanitize-recover=all)
    target_link_options(${target} PRIVATE -fsanitize=address,undefined)
  endif()
  if(TINCRAWL_SANITIZE_THREAD)
    target_compile_options(${target} PRIVATE -fsanitize=thread -fno-omit-frame-pointer)
    target_link_options(${target} PRIVATE -fsanitize=thread)
  endif()
endfunction()
