# Fails when a source file of a crawler layer includes a header it may not use: a header of a
# crawler layer it does not link, or of a third-party library it does not link.
#
#   cmake -DTINCRAWL_ROOT=<source dir> -DTINCRAWL_DIR=crawler
#         -DTINCRAWL_RULES_FILE=<file> -P CheckLayers.cmake
#
# The rules file (written by crawler/CMakeLists.txt) sets TINCRAWL_RULES, one
# "folder@lower,layers@third-party,targets@header/,prefixes" per layer, and TINCRAWL_HEADERS, one
# "target=prefix|prefix" per third-party target.
#
# Every include of a known third-party prefix (the right-hand sides of TINCRAWL_HEADERS) or of
# "crawler/<folder>/" is checked; system and standard headers are not.
cmake_minimum_required(VERSION 3.25)

foreach(var TINCRAWL_ROOT TINCRAWL_DIR TINCRAWL_RULES_FILE)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckLayers.cmake: ${var} is not set")
  endif()
endforeach()
include(${TINCRAWL_RULES_FILE})
foreach(var TINCRAWL_RULES TINCRAWL_HEADERS)
  if(NOT DEFINED ${var})
    message(FATAL_ERROR "CheckLayers.cmake: ${var} is not set")
  endif()
endforeach()

# target -> prefixes, and the list of every checked prefix.
set(all_prefixes "")
foreach(entry ${TINCRAWL_HEADERS})
  string(REPLACE "=" ";" kv "${entry}")
  list(GET kv 0 target)
  list(GET kv 1 prefixes)
  string(REPLACE "|" ";" prefixes "${prefixes}")
  string(MAKE_C_IDENTIFIER "${target}" id)
  list(APPEND prefixes_${id} ${prefixes})
  list(APPEND all_prefixes ${prefixes})
endforeach()
list(REMOVE_DUPLICATES all_prefixes)

set(layers "")
foreach(rule ${TINCRAWL_RULES})
  string(REPLACE "@" ";" parts "${rule}")
  list(GET parts 0 folder)
  list(GET parts 1 lower)
  list(GET parts 2 libs)
  list(GET parts 3 headers)
  string(REPLACE "," ";" lower "${lower}")
  string(REPLACE "," ";" libs "${libs}")
  string(REPLACE "," ";" headers "${headers}")
  list(APPEND layers ${folder})
  set(allowed_layers_${folder} ${folder} ${lower})
  set(allowed_prefixes_${folder} ${headers})
  foreach(lib ${libs})
    string(MAKE_C_IDENTIFIER "${lib}" id)
    list(APPEND allowed_prefixes_${folder} ${prefixes_${id}})
  endforeach()
endforeach()

set(errors 0)
file(GLOB entries RELATIVE ${TINCRAWL_ROOT}/${TINCRAWL_DIR} ${TINCRAWL_ROOT}/${TINCRAWL_DIR}/*)
foreach(folder ${entries})
  if(NOT IS_DIRECTORY ${TINCRAWL_ROOT}/${TINCRAWL_DIR}/${folder})
    continue()
  endif()
  if(NOT folder IN_LIST layers)
    message(SEND_ERROR "${TINCRAWL_DIR}/${folder}/: folder is not a declared layer")
    math(EXPR errors "${errors} + 1")
    continue()
  endif()
  file(GLOB sources ${TINCRAWL_ROOT}/${TINCRAWL_DIR}/${folder}/*.h
       ${TINCRAWL_ROOT}/${TINCRAWL_DIR}/${folder}/*.cpp)
  foreach(src ${sources})
    file(RELATIVE_PATH rel ${TINCRAWL_ROOT} ${src})
    file(STRINGS ${src} lines)
    set(n 0)
    foreach(line IN LISTS lines)
      math(EXPR n "${n} + 1")
      if(NOT line MATCHES "^[ \t]*#[ \t]*include[ \t]*[<\"]([^>\"]+)[>\"]")
        continue()
      endif()
      set(header "${CMAKE_MATCH_1}")
      if(header MATCHES "^crawler/([^/]+)/")
        if(NOT CMAKE_MATCH_1 IN_LIST allowed_layers_${folder})
          message(SEND_ERROR "${rel}:${n}: layer '${folder}' may not include \"${header}\" "
                             "(it does not link tincrawl_${CMAKE_MATCH_1})")
          math(EXPR errors "${errors} + 1")
        endif()
        continue()
      endif()
      foreach(prefix ${all_prefixes})
        string(FIND "${header}" "${prefix}" at)
        if(at EQUAL 0 AND NOT prefix IN_LIST allowed_prefixes_${folder})
          message(SEND_ERROR "${rel}:${n}: layer '${folder}' may not include <${header}> "
                             "(its library is not declared for this layer)")
          math(EXPR errors "${errors} + 1")
        endif()
      endforeach()
    endforeach()
  endforeach()
endforeach()
if(errors GREATER 0)
  message(FATAL_ERROR "${errors} include(s) break the layering (see docs/architecture.md)")
endif()
