# Installation layout (FHS) and the Debian package.
#   /usr/bin/tincrawl
#   /etc/tincrawl/tincrawl.yaml, /etc/tincrawl/sites/**       (conffiles)
#   /usr/lib/systemd/system/tincrawl.service
#   /usr/share/tincrawl/{schema,dashboards}/                   (JSON Schema, Grafana, alerts)
#   /usr/share/man/man1/tincrawl.1.gz
include(GNUInstallDirs)

# The installed daemon config keeps its state where systemd's StateDirectory= puts it.
file(READ ${PROJECT_SOURCE_DIR}/config/tincrawl.yaml TINCRAWL_CONFIG_TEXT)
string(REPLACE "state_dir: ../state" "state_dir: /var/lib/tincrawl" TINCRAWL_CONFIG_TEXT
       "${TINCRAWL_CONFIG_TEXT}")
file(WRITE ${PROJECT_BINARY_DIR}/install/tincrawl.yaml "${TINCRAWL_CONFIG_TEXT}")

set(TINCRAWL_ETC ${CMAKE_INSTALL_FULL_SYSCONFDIR}/tincrawl)
set(TINCRAWL_SHARE ${CMAKE_INSTALL_DATADIR}/tincrawl)
install(FILES ${PROJECT_BINARY_DIR}/install/tincrawl.yaml DESTINATION ${TINCRAWL_ETC})
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/sites/ DESTINATION ${TINCRAWL_ETC}/sites
        FILES_MATCHING PATTERN "*.yaml")
install(DIRECTORY ${PROJECT_SOURCE_DIR}/config/schema/ DESTINATION ${TINCRAWL_SHARE}/schema)
install(FILES ${PROJECT_SOURCE_DIR}/systemd/tincrawl.service
        DESTINATION lib/systemd/system)
install(FILES ${PROJECT_SOURCE_DIR}/dashboards/tincrawl-overview.json
              ${PROJECT_SOURCE_DIR}/dashboards/tincrawl-sites.json
              ${PROJECT_SOURCE_DIR}/dashboards/alerts.yml
              ${PROJECT_SOURCE_DIR}/dashboards/README.md
        DESTINATION ${TINCRAWL_SHARE}/dashboards)
install(DIRECTORY ${PROJECT_SOURCE_DIR}/dashboards/provisioning/
        DESTINATION ${TINCRAWL_SHARE}/dashboards/provisioning)

find_program(GZIP_EXECUTABLE gzip)
if(GZIP_EXECUTABLE)
  add_custom_command(OUTPUT ${PROJECT_BINARY_DIR}/install/tincrawl.1.gz
                     COMMAND ${GZIP_EXECUTABLE} -9n -c ${PROJECT_SOURCE_DIR}/docs/tincrawl.1
                             > ${PROJECT_BINARY_DIR}/install/tincrawl.1.gz
                     DEPENDS ${PROJECT_SOURCE_DIR}/docs/tincrawl.1)
  add_custom_target(tincrawl_man ALL DEPENDS ${PROJECT_BINARY_DIR}/install/tincrawl.1.gz)
  install(FILES ${PROJECT_BINARY_DIR}/install/tincrawl.1.gz
          DESTINATION ${CMAKE_INSTALL_MANDIR}/man1)
endif()

# Debian package: cpack -G DEB in the build directory.
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME tincrawl)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_CONTACT "tincrawl maintainers <tincrawl@example.org>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY
    "news crawler daemon for Vietnamese government portals")
set(CPACK_PACKAGE_DESCRIPTION "tincrawl crawls the news sections of *.gov.vn portals \
politely, extracts clean articles, links syndicated copies into one story and keeps \
everything in RocksDB.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_PACKAGING_INSTALL_PREFIX ${CMAKE_INSTALL_PREFIX})
set(CPACK_DEBIAN_PACKAGE_SECTION net)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)  # Dependencies computed from the binary.
set(CPACK_DEBIAN_PACKAGE_RECOMMENDS "prometheus")
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
# Every file under /etc/tincrawl is a conffile: dpkg keeps the operator's edits on upgrade.
file(GLOB_RECURSE TINCRAWL_SITE_FILES RELATIVE ${PROJECT_SOURCE_DIR}/config/sites
     CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/config/sites/*.yaml)
list(SORT TINCRAWL_SITE_FILES)
set(TINCRAWL_CONFFILES "${TINCRAWL_ETC}/tincrawl.yaml\n")
foreach(f ${TINCRAWL_SITE_FILES})
  string(APPEND TINCRAWL_CONFFILES "${TINCRAWL_ETC}/sites/${f}\n")
endforeach()
file(WRITE ${PROJECT_BINARY_DIR}/install/conffiles "${TINCRAWL_CONFFILES}")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA ${PROJECT_BINARY_DIR}/install/conffiles
                                       ${PROJECT_SOURCE_DIR}/packaging/postinst
                                       ${PROJECT_SOURCE_DIR}/packaging/prerm)
include(CPack)
