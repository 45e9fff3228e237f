# The web API: routes and dashboard called directly, then the Beast server over loopback; hostile
# clients (and a server out of file descriptors) apart.
if(NOT TARGET brigade_web)
  return()
endif()
brigade_add_test(web_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/web_api_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/web_audit_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/web_dashboard_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/web_server_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/web_trust_test.cpp
  LIBS brigade_web brigade_asio LABELS threaded)
brigade_add_test(web_hostile_tests
  SOURCES ${CMAKE_CURRENT_LIST_DIR}/web_hostile_test.cpp
          ${CMAKE_CURRENT_LIST_DIR}/web_fd_limit_test.cpp
  LIBS brigade_web brigade_asio)
