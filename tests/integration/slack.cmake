# Slack adapter tests: the I/O-free logic, then the real adapter against a fake Slack on loopback.
if(NOT TARGET brigade_slack)
  return()
endif()
brigade_add_test(slack_logic_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_logic_test.cpp
                 LIBS brigade_slack_logic brigade_net)

# The fake Slack shares brigade_net's precompiled Beast headers.
add_library(brigade_fake_slack STATIC ${CMAKE_CURRENT_LIST_DIR}/fake_slack.cpp)
target_link_libraries(brigade_fake_slack PUBLIC brigade_net brigade_asio)
target_precompile_headers(brigade_fake_slack REUSE_FROM brigade_net)

brigade_add_test(slack_adapter_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_adapter_test.cpp
                 LIBS brigade_slack brigade_fake_slack LABELS threaded)

# build/brigade run as a process against the fake (over TLS with a test CA).
brigade_add_test(slack_process_tests SOURCES ${CMAKE_CURRENT_LIST_DIR}/slack_process_test.cpp
                 LIBS brigade_fake_slack brigade_store brigade_core LABELS threaded)
add_dependencies(slack_process_tests brigade)

# Public headers stay free of Asio/Beast, so including them costs nothing.
add_test(NAME layering_slack_public_headers_hide_beast
         COMMAND sh -c "! grep -nE '#include <(boost|openssl)' ${PROJECT_SOURCE_DIR}/adapters/slack/slack_adapter.hpp ${PROJECT_SOURCE_DIR}/adapters/slack/options.hpp ${PROJECT_SOURCE_DIR}/adapters/net/url.hpp ${PROJECT_SOURCE_DIR}/adapters/net/backoff.hpp ${PROJECT_SOURCE_DIR}/adapters/net/redact.hpp")
