# The web API: routes called directly, then the Beast server over loopback; hostile clients apart.
if(NOT TARGET brigade_web)
  return()
endif()
brigade_add_test(web_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/web_test.cpp LIBS brigade_web brigade_asio
                 LABELS threaded)
brigade_add_test(web_hostile_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/web_hostile_test.cpp
                 LIBS brigade_web brigade_asio)
