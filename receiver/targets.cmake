# receiver/targets.cmake: the homeops_receiver library (everything but main.c, so tests link it) and remediation_receiver.
pkg_check_modules(JANSSON REQUIRED IMPORTED_TARGET jansson)
pkg_check_modules(SQLITE3 REQUIRED IMPORTED_TARGET sqlite3)
pkg_check_modules(PCRE2 REQUIRED IMPORTED_TARGET libpcre2-8)

set(_rcv ${CMAKE_CURRENT_SOURCE_DIR})
set(HOMEOPS_RECEIVER_SOURCES
  ${_rcv}/webhook.c
  ${_rcv}/route.c
  ${_rcv}/redact.c
  ${_rcv}/alert_view.c
  ${_rcv}/config.c
  ${_rcv}/gate.c
  ${_rcv}/store.c
  ${_rcv}/store_writer.c
  ${_rcv}/store_write.c
  ${_rcv}/store_read.c
)
foreach(_f engine.c engine_job.c engine_ingest.c engine_worker.c engine_recover.c engine_control.c run.c facts.c http.c status.c status_html.c metrics.c)
  if(EXISTS ${_rcv}/${_f})
    list(APPEND HOMEOPS_RECEIVER_SOURCES ${_rcv}/${_f})
  endif()
endforeach()

# Notification sending (notify*.c, another engineer's files) and the outbox worker that drives it.
file(GLOB _notify_sources ${_rcv}/notify*.c)
if(_notify_sources)
  list(APPEND HOMEOPS_RECEIVER_SOURCES ${_notify_sources})
  if(EXISTS ${_rcv}/outbox.c)
    list(APPEND HOMEOPS_RECEIVER_SOURCES ${_rcv}/outbox.c)
  endif()
endif()

add_library(homeops_receiver STATIC ${HOMEOPS_RECEIVER_SOURCES})
target_include_directories(homeops_receiver PUBLIC ${CMAKE_SOURCE_DIR})
target_link_libraries(homeops_receiver PUBLIC homeops_common PkgConfig::JANSSON PkgConfig::SQLITE3
                      PkgConfig::PCRE2)
if(_notify_sources)
  target_compile_definitions(homeops_receiver PUBLIC HOMEOPS_HAVE_NOTIFY=1)
endif()

if(EXISTS ${_rcv}/main.c)
  add_executable(remediation_receiver ${_rcv}/main.c)
  target_link_libraries(remediation_receiver PRIVATE homeops_receiver)
  install(TARGETS remediation_receiver RUNTIME DESTINATION ${CMAKE_INSTALL_BINDIR})
endif()
