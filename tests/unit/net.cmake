# Pieces every network adapter shares (adapters/net) that need no peer.
if(NOT TARGET brigade_net)
  return()
endif()
brigade_add_test(net_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/wakeup_test.cpp LIBS brigade_net)
